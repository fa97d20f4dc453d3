// name: engine.list_processes
// mode: read
// params: states: list<string> (process states to include), since: datetime|null (ctime lower
//         bound), limit: int
// returns: node: process nodes, newest first
// relies on: index process_state, index node_ctime
MATCH (p:Process)
WHERE p.process_state IN $states AND ($since IS NULL OR p.ctime >= $since)
RETURN p AS node
ORDER BY p.ctime DESC
LIMIT $limit
