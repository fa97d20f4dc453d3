// name: lineage.descendant_nodes_data
// mode: read
// params: uuids: list<string> (the start nodes), limit: int (at most this many rows)
// returns: node: every node that some path of links leads to from a start node,
//          once each (a start node only if a link leads to it)
// relies on: constraint node_uuid_unique
// Shape: one MATCH of one variable-length pattern, then RETURN DISTINCT of its far end and
// nothing else. Both servers then search breadth first and visit each node once (Neo4j:
// pruning var-expand; ArcadeDB: distinct-endpoint expansion); an UNWIND, a WITH, a second
// MATCH or a path or link variable makes them enumerate paths instead, which is exponential
// on a DAG whose nodes share ancestors (measured: seconds to never).
MATCH (start:Node)-[:INPUT|CREATE*1..]->(node:Node)
WHERE start.uuid IN $uuids
RETURN DISTINCT node
LIMIT $limit
