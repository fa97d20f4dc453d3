// name: engine.claim_process
// mode: write
// params: uuid: string (the process), previous: string|null (the owner the claimer saw),
//         owner: string (the claimer)
// returns: uuid: one row if the claim succeeded, none if another runner claimed it first (a
//          parked process is no longer parked once claimed)
// relies on: constraint node_uuid_unique. On Neo4j (read committed) two claims of one
//            process would both pass a WHERE read before either commits; setting and removing
//            _claim_lock takes the node's write lock first, so the owner read after it is the
//            committed one (ArcadeDB retries a conflicting claim, which then no longer matches)
MATCH (p:Node {uuid: $uuid})
WHERE p:Process
SET p._claim_lock = true
REMOVE p._claim_lock
WITH p
WHERE (p.owner IS NULL AND $previous IS NULL) OR p.owner = $previous OR p.owner = $owner
SET p.owner = $owner
REMOVE p.parked, p.parked_on
RETURN p.uuid AS uuid
