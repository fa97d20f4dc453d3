// name: schema.create_04_constraint_log_uuid
// mode: schema
// params: none
// returns: nothing
CREATE CONSTRAINT log_uuid_unique IF NOT EXISTS
FOR (l:Log) REQUIRE l.uuid IS UNIQUE
