// name: schema.set_version
// mode: write
// params: version: int
// returns: nothing
MERGE (s:SchemaInfo {name: 'graphflow'})
SET s.version = $version
