// name: broken_match
// params: none
// returns: n
// Syntax error: the node pattern is not closed.
MATCH (n RETURN n
