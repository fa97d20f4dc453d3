// name: orm.get_outgoing
// mode: read
// params: uuid: string, types: list<string> (link types: INPUT, CREATE, RETURN, CALL)
// returns: label: string, type: string, node: the node at the other end, per outgoing link
// relies on: constraint node_uuid_unique
MATCH (n:Node {uuid: $uuid})-[l]->(other:Node)
WHERE type(l) IN $types
RETURN l.label AS label, type(l) AS type, other AS node
