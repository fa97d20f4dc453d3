// name: schema.create_11_index_node_hash
// mode: schema
// params: none
// returns: nothing
CREATE INDEX node_hash IF NOT EXISTS
FOR (n:Node) ON (n.hash)
