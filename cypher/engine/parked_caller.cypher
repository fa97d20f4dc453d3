// name: engine.parked_caller
// mode: read
// params: uuid: string (a process)
// returns: uuid, pk, states: if the process's caller is parked (engine._parking), the
//          caller's uuid and pk and the states of the children it waits for; else no row
// relies on: constraint node_uuid_unique
MATCH (p:Node)-[:CALL]->(:Node {uuid: $uuid})
WHERE p.parked IS NOT NULL
MATCH (p)-[:CALL]->(c:Node)
WHERE c.uuid IN p.parked_on
RETURN p.uuid AS uuid, p.pk AS pk, collect(c.process_state) AS states
