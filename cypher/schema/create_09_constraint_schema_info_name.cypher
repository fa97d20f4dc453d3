// name: schema.create_09_constraint_schema_info_name
// mode: schema
// params: none
// returns: nothing
// Makes the MERGE of schema.set_version atomic: two set-ups racing on a new Neo4j database
// would otherwise both create a :SchemaInfo node.
CREATE CONSTRAINT schema_info_name_unique IF NOT EXISTS
FOR (s:SchemaInfo) REQUIRE s.name IS UNIQUE
