// name: orm.count_nodes
// mode: read
// params: none
// returns: count: int (provenance nodes in the store)
MATCH (n:Node)
RETURN count(n) AS count
