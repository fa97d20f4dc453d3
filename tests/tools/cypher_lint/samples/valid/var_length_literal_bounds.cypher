// name: var_length_literal_bounds
// params: uuid
// returns: a
MATCH (n:Node {uuid: $uuid})<-[:INPUT|CREATE*1..5]-(a)
RETURN DISTINCT a
