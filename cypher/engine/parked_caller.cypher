// name: engine.parked_caller
// mode: write
// params: uuid: string (a process)
// returns: uuid, pk, states: if the process's caller is parked (engine._parking), the
//          caller's uuid and pk and the states of the children it waits for; else no row
// relies on: constraint node_uuid_unique. Writes nothing, but runs as a write so that on
//            a Neo4j cluster it reads on the leader, which has every commit: waking a
//            parked process relies on this read seeing the latest park or end
MATCH (p:Node)-[:CALL]->(:Node {uuid: $uuid})
WHERE p.parked IS NOT NULL
WITH p
UNWIND p.parked_on AS awaited
MATCH (c:Node {uuid: awaited})
RETURN p.uuid AS uuid, p.pk AS pk, collect(c.process_state) AS states
