// name: lineage.called_processes
// mode: read
// params: uuids: list<string> (workflows), limit: int (at most this many rows)
// returns: node: every process the workflows called, directly or through other workflows
// relies on: constraint node_uuid_unique
// Shape: as lineage.descendant_nodes_data (breadth first, each process visited once).
MATCH (start:Node)-[:CALL*1..]->(node:Process)
WHERE start.uuid IN $uuids
RETURN DISTINCT node
LIMIT $limit
