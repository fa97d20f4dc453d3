// name: ancestors_call_with
// params: uuid
// returns: n, ancestors
// Importing WITH inside CALL { } is valid Neo4j 5 but deprecated since 5.23:
// the parser accepts it and gives a deprecation warning.
MATCH (n:Node {uuid: $uuid})
CALL {
  WITH n
  MATCH (n)<-[:INPUT|CREATE*1..]-(a)
  RETURN collect(a) AS ancestors
}
RETURN n, ancestors
