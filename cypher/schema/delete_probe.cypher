// name: schema.delete_probe
// mode: write
// params: uuid: string (a probe node made to create a label combination)
// returns: nothing
// relies on: constraint node_uuid_unique
MATCH (n:Node {uuid: $uuid})
DETACH DELETE n
