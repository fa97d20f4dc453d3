// name: orm.get_nodes_by_uuids
// mode: read
// params: uuids: list<string>
// returns: node: one row per uuid that exists
// relies on: constraint node_uuid_unique
UNWIND $uuids AS wanted
MATCH (n:Node {uuid: wanted})
RETURN n AS node
