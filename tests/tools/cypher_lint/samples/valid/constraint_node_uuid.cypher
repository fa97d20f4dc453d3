// name: constraint_node_uuid
// params: none
// returns: nothing
CREATE CONSTRAINT node_uuid IF NOT EXISTS
FOR (n:Node) REQUIRE n.uuid IS UNIQUE
