// name: orm.group_nodes
// mode: read
// params: key: string, limit: int
// returns: node: the group's nodes, by pk
// relies on: constraint group_key_unique
MATCH (g:Group {key: $key})-[:CONTAINS]->(n:Node)
RETURN n AS node
ORDER BY n.pk
LIMIT $limit
