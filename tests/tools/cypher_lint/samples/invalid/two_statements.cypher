// name: two_statements
// params: none
// returns: n
// One file holds one statement: Neo4j runs one statement per query.
MATCH (n:Node) RETURN n;
MATCH (m:Node) RETURN m
