// name: quantified_path_param_bounds
// params: uuid, depth
// returns: a
// Quantifier bounds must be integer literals, not parameters.
MATCH (n:Node {uuid: $uuid}) (()<-[:INPUT]-()){1,$depth} (a)
RETURN a
