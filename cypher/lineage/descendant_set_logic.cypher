// name: lineage.descendant_set_logic
// mode: read
// params: uuids: list<string> (the start nodes)
// returns: nodes: the nodes of lineage.descendant_nodes_logic, all of them, as one list in one row
// relies on: constraint node_uuid_unique
// Shape: lineage.descendant_nodes_logic's pattern with collect(DISTINCT node) for its DISTINCT
// (still breadth first, each node once). One row instead of one per node: the driver's
// own cost per record is most of the time of a small closure (W6, bench/README.md). Not
// for a bounded closure: LIMIT stops the search early, a slice of the list does not (on
// ArcadeDB, collect(DISTINCT node)[..n] enumerates paths again).
MATCH (start:Node)-[:INPUT|RETURN|CALL*1..]->(node:Node)
WHERE start.uuid IN $uuids
RETURN collect(DISTINCT node) AS nodes
