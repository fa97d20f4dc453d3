// name: cypher25_prefix
// params: none
// returns: n
// graphflow targets Neo4j 5: a CYPHER 25 prefix is rejected.
CYPHER 25
MATCH (n:Node) RETURN n
