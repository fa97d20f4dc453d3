// name: schema.create_10_constraint_group_key
// mode: schema
// params: none
// returns: nothing
// A group's label is unique per group type: its key is "<type_string>:<label>".
CREATE CONSTRAINT group_key_unique IF NOT EXISTS
FOR (g:Group) REQUIRE g.key IS UNIQUE
