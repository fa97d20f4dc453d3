// name: orm.get_node_by_uuid
// mode: read
// params: uuid: string
// returns: node: the node (no row if none)
// relies on: constraint node_uuid_unique
MATCH (n:Node {uuid: $uuid})
RETURN n AS node
