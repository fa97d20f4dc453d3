// name: schema.create_01_constraint_node_uuid
// mode: schema
// params: none
// returns: nothing
CREATE CONSTRAINT node_uuid_unique IF NOT EXISTS
FOR (n:Node) REQUIRE n.uuid IS UNIQUE
