// name: schema.store_id
// mode: write
// params: candidate: string (a new id: kept only when the store has none yet)
// returns: store_id: string, the store's own id
// relies on: constraint schema_info_name_unique. The first interpreter to ask sets it and
//            every later one reads it, on any host. Setting and removing _lock takes the
//            node's write lock first, so on Neo4j (read committed) two first askers agree.
MERGE (s:SchemaInfo {name: 'graphflow'})
SET s._lock = true
REMOVE s._lock
WITH s
SET s.store_id = coalesce(s.store_id, $candidate)
RETURN s.store_id AS store_id
