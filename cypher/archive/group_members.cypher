// name: archive.group_members
// mode: read
// params: key: string (type_string:label), after: int (the last pk handled), limit: int
// returns: uuid, pk of the group's next nodes in pk order
// relies on: constraint group_key_unique
MATCH (g:Group {key: $key})-[:CONTAINS]->(n:Node)
WHERE n.pk > $after
RETURN n.uuid AS uuid, n.pk AS pk
ORDER BY n.pk
LIMIT $limit
