// name: schema.create_06_constraint_sequence_name
// mode: schema
// params: none
// returns: nothing
CREATE CONSTRAINT sequence_name_unique IF NOT EXISTS
FOR (s:Sequence) REQUIRE s.name IS UNIQUE
