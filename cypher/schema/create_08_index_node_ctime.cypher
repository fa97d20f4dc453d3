// name: schema.create_08_index_node_ctime
// mode: schema
// params: none
// returns: nothing
CREATE INDEX node_ctime IF NOT EXISTS
FOR (n:Node) ON (n.ctime)
