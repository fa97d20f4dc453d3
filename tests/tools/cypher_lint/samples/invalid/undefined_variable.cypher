// name: undefined_variable
// params: none
// returns: m
// Semantic error: m is never bound.
MATCH (n:Node)
RETURN m
