// name: archive.nodes
// mode: read
// params: uuids: list<string>
// returns: props: every property of each node that exists (one row each)
// relies on: constraint node_uuid_unique
UNWIND $uuids AS wanted
MATCH (n:Node {uuid: wanted})
RETURN properties(n) AS props
