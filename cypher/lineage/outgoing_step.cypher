// name: lineage.outgoing_step
// mode: read
// params: uuids: list<string> (a frontier of nodes), types: list<string> (link types)
// returns: source, type, label, target (uuids) and node: the node at the other end, one row
//          per outgoing link of the given types of each frontier node
// relies on: constraint node_uuid_unique
// One level of a depth-limited walk: a walk of depth d is d of these queries, each batched
// over the whole frontier (Cypher takes no parameter as a variable-length bound).
UNWIND $uuids AS wanted
MATCH (node:Node {uuid: wanted})-[link]->(other:Node)
WHERE type(link) IN $types
RETURN node.uuid AS source, type(link) AS type, link.label AS label, other.uuid AS target,
       other AS node
