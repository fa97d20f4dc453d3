// name: shell.recent_nodes
// mode: read
// params: window: int (how far below the highest pk to look), limit: int
// returns: pk, labels, process_label, process_state, value: the newest provenance nodes
//          (highest pks first), offered when a shell command asks for a pk
// relies on: constraint node_pk_unique (an ordered index on pk)
// max() and a pk range keep the sort small: sorting every node costs seconds at 1M nodes.
MATCH (n:Node)
WITH max(n.pk) AS top
MATCH (m:Node)
WHERE m.pk > top - $window
RETURN m.pk AS pk, labels(m) AS labels, m.process_label AS process_label,
       m.process_state AS process_state, m.value AS value
ORDER BY pk DESC
LIMIT $limit
