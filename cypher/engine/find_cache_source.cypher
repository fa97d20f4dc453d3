// name: engine.find_cache_source
// mode: read
// params: hash: string, node_type: string, uuid: string (the calculation asking)
// returns: uuid: the oldest finished calculation of that type and hash that may be a
//   caching source (exit status 0, not marked invalid); no row if there is none
// relies on: index node_hash
MATCH (c:Node {hash: $hash})
WHERE c.node_type = $node_type AND c.uuid <> $uuid
  AND c.process_state = 'finished' AND c.exit_status = 0
  AND coalesce(c.is_valid_cache, true)
RETURN c.uuid AS uuid
ORDER BY c.pk
LIMIT 1
