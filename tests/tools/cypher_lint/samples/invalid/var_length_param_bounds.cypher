// name: var_length_param_bounds
// params: uuid, depth
// returns: a
// Neo4j does not allow parameters as variable-length bounds.
MATCH (n:Node {uuid: $uuid})<-[:INPUT*1..$depth]-(a)
RETURN a
