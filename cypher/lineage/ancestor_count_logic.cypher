// name: lineage.ancestor_count_logic
// mode: read
// params: uuids: list<string> (the start nodes)
// returns: count: int, how many nodes lineage.ancestor_nodes_logic finds (to refuse, with
//          the size, a graph too large to draw)
// relies on: constraint node_uuid_unique
// Shape: as lineage.ancestor_nodes_logic (a count of DISTINCT far ends keeps the search
// breadth first).
MATCH (start:Node)<-[:INPUT|RETURN|CALL*1..]-(node:Node)
WHERE start.uuid IN $uuids
RETURN count(DISTINCT node) AS count
