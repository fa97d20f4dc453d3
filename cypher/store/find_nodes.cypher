// name: store.find_nodes
// mode: read
// params: uuids: list<string>
// returns: uuid: string, one row per uuid that exists
// relies on: constraint node_uuid_unique
UNWIND $uuids AS wanted
MATCH (n:Node {uuid: wanted})
RETURN n.uuid AS uuid
