// name: store.lost_fences
// mode: read
// params: fences: list<{uuid: string, owner: string}>
// returns: uuid, owner: each fenced process whose owner in the store is not the fence's
// relies on: constraint node_uuid_unique
UNWIND $fences AS fence
MATCH (p:Node {uuid: fence.uuid})
WHERE p.owner IS NULL OR p.owner <> fence.owner
RETURN p.uuid AS uuid, p.owner AS owner, fence.owner AS expected
