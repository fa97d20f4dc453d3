// name: engine.list_processes
// mode: read
// params: states: list<string> (process states to include), since: datetime|null (ctime lower
//         bound), exit_status: int|null (only this one), failed: bool (only non-zero exit
//         statuses), label: string|null (only this process label), by_pk: bool (order by pk
//         instead of ctime), limit: int
// returns: node: process nodes, newest first
// relies on: index process_state, index node_ctime
MATCH (p:Process)
WHERE p.process_state IN $states AND ($since IS NULL OR p.ctime >= $since)
  AND ($exit_status IS NULL OR p.exit_status = $exit_status)
  AND (NOT $failed OR p.exit_status > 0)
  AND ($label IS NULL OR p.process_label = $label)
RETURN p AS node
ORDER BY CASE WHEN $by_pk THEN p.pk ELSE 0 END DESC, p.ctime DESC
LIMIT $limit
