// name: ancestors_call_scope
// params: uuid
// returns: n, ancestors
// The variable scope clause CALL (n) { } (Neo4j 5.23+), no warning.
MATCH (n:Node {uuid: $uuid})
CALL (n) {
  MATCH (n)<-[:INPUT|CREATE*1..]-(a)
  RETURN collect(a) AS ancestors
}
RETURN n, ancestors
