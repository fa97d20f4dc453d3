// name: lineage.called_processes
// mode: read
// params: uuids: list<string> (workflows), limit: int (at most this many rows)
// returns: node: every process the workflows called, directly or through other workflows
// relies on: constraint node_uuid_unique
// Shape: as lineage.descendant_nodes_data (breadth first, each process visited once).
// Each start is sought by uuid first: written as a WHERE ... IN, Neo4j's planner chose
// to scan :Process and expand backwards once the store had few processes.
UNWIND $uuids AS wanted
MATCH (start:Node {uuid: wanted})
MATCH (start)-[:CALL*1..]->(node:Process)
RETURN DISTINCT node
LIMIT $limit
