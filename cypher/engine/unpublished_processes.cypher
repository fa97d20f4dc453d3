// name: engine.unpublished_processes
// mode: read
// params: before: datetime (created before this), limit: int
// returns: uuid, pk: created processes whose submitter stored them but never confirmed
//          their task (it died in between), oldest first
// relies on: index process_state
MATCH (p:Process)
WHERE p.process_state = 'created' AND p.unpublished = true AND p.ctime < $before
  AND coalesce(p.paused, false) = false
RETURN p.uuid AS uuid, p.pk AS pk
ORDER BY p.ctime
LIMIT $limit
