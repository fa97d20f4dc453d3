// name: delete_node
// params: uuid
// returns: nothing
MATCH (n:Node {uuid: $uuid})
DETACH DELETE n
