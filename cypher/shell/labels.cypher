// name: shell.labels
// mode: read
// params: none
// returns: label: string, every node label the store knows (schema introspection, no scan)
// Cheap on large graphs: Neo4j and ArcadeDB answer db.labels() from their schema.
CALL db.labels() YIELD label
RETURN label
ORDER BY label
