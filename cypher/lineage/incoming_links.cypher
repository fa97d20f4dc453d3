// name: lineage.incoming_links
// mode: read
// params: uuids: list<string> (nodes), types: list<string> (link types: INPUT, CREATE,
//         RETURN, CALL)
// returns: source, type, label, target: one row per incoming link of the given types of
//          each node (uuids only: the caller has the nodes)
// relies on: constraint node_uuid_unique
UNWIND $uuids AS wanted
MATCH (node:Node {uuid: wanted})<-[link]-(other:Node)
WHERE type(link) IN $types
RETURN other.uuid AS source, type(link) AS type, link.label AS label, node.uuid AS target
