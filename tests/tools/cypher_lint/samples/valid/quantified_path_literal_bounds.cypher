// name: quantified_path_literal_bounds
// params: uuid
// returns: a
MATCH (n:Node {uuid: $uuid}) (()<-[:INPUT|CREATE]-()){1,5} (a)
RETURN DISTINCT a
