// name: engine.claim_process
// mode: write
// params: uuid: string (the process), previous: string|null (the owner the claimer saw),
//         owner: string (the claimer)
// returns: uuid: one row if the claim succeeded, none if another runner claimed it first
// relies on: constraint node_uuid_unique; a conflicting concurrent claim is retried by the
//            driver and then no longer matches (compare-and-set)
MATCH (p:Process {uuid: $uuid})
WHERE (p.owner IS NULL AND $previous IS NULL) OR p.owner = $previous OR p.owner = $owner
SET p.owner = $owner
RETURN p.uuid AS uuid
