// name: engine.ready_parked
// mode: read
// params: before: datetime (parked before this), terminal: list<string> (the terminal
//         states), limit: int
// returns: uuid, pk: parked processes (engine._parking) whose awaited processes have all
//          ended, so that a task should continue them
// relies on: index process_state (a parked process is waiting), constraint node_uuid_unique
MATCH (p:Process)
WHERE p.process_state = 'waiting' AND p.parked < $before
WITH p
UNWIND p.parked_on AS awaited
MATCH (c:Node {uuid: awaited})
WITH p, sum(CASE WHEN c.process_state IN $terminal THEN 0 ELSE 1 END) AS running
WHERE running = 0
RETURN p.uuid AS uuid, p.pk AS pk
LIMIT $limit
