// name: archive.all_nodes
// mode: read
// params: after: int (the last pk handled), limit: int
// returns: uuid, pk of the profile's next nodes in pk order
// relies on: constraint node_pk_unique
MATCH (n:Node)
WHERE n.pk > $after
RETURN n.uuid AS uuid, n.pk AS pk
ORDER BY n.pk
LIMIT $limit
