// name: shell.relationship_types
// mode: read
// params: none
// returns: type: string, every relationship type the store knows (schema introspection)
CALL db.relationshipTypes() YIELD relationshipType
RETURN relationshipType AS type
ORDER BY type
