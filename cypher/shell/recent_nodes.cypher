// name: shell.recent_nodes
// mode: read
// params: window: int (how far below the highest pk to look), limit: int
// returns: pk, labels, process_label, process_state, value: the newest provenance nodes
//          (latest ctime first), offered when a shell command asks for a pk
// relies on: constraint node_pk_unique (an ordered index on pk)
// The highest pk comes from the end of the pk index (ORDER BY ... LIMIT 1: Neo4j reads it
// backwards, where max() scans the whole index); a pk range then keeps the sort small:
// sorting every node costs seconds at 1M nodes.
// Within the range the order is by time, not pk: every interpreter takes pks in blocks,
// so a script's nodes can have higher pks than the ones made since by a longer-lived one.
MATCH (n:Node)
WHERE n.pk IS NOT NULL
WITH n.pk AS top
ORDER BY top DESC
LIMIT 1
MATCH (m:Node)
WHERE m.pk > top - $window
RETURN m.pk AS pk, labels(m) AS labels, m.process_label AS process_label,
       m.process_state AS process_state, m.value AS value
ORDER BY m.ctime DESC, pk DESC
LIMIT $limit
