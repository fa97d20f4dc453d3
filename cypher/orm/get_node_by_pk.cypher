// name: orm.get_node_by_pk
// mode: read
// params: pk: int
// returns: node: the node (no row if none)
// relies on: constraint node_pk_unique
MATCH (n:Node {pk: $pk})
RETURN n AS node
