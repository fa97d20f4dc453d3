// name: schema.create_02_constraint_node_pk
// mode: schema
// params: none
// returns: nothing
CREATE CONSTRAINT node_pk_unique IF NOT EXISTS
FOR (n:Node) REQUIRE n.pk IS UNIQUE
