// name: schema.get_version
// mode: read
// params: none
// returns: version: int (no row when the schema was never set up)
MATCH (s:SchemaInfo {name: 'graphflow'})
RETURN s.version AS version
