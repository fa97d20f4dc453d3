// name: schema.create_07_constraint_computer_label
// mode: schema
// params: none
// returns: nothing
CREATE CONSTRAINT computer_label_unique IF NOT EXISTS
FOR (c:Computer) REQUIRE c.label IS UNIQUE
