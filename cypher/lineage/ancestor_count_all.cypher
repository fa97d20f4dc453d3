// name: lineage.ancestor_count_all
// mode: read
// params: uuids: list<string> (the start nodes)
// returns: count: int, how many nodes lineage.ancestor_nodes_all finds (to refuse, with
//          the size, a graph too large to draw)
// relies on: constraint node_uuid_unique
// Shape: as lineage.ancestor_nodes_all (a count of DISTINCT far ends keeps the search
// breadth first).
MATCH (start:Node)<-[:INPUT|CREATE|RETURN|CALL*1..]-(node:Node)
WHERE start.uuid IN $uuids
RETURN count(DISTINCT node) AS count
