// name: schema.entries_to_backfill
// mode: read
// params: after: int (the last pk handled), limit: int
// returns: uuid: str, pk: int, attributes: str (JSON, for a Dict), extras: str (JSON)
// Upgrading to schema 4: the Dicts and the nodes with extras stored before their
// entries became properties (store/_model.py), a page at a time in pk order.
MATCH (n:Node)
WHERE n.pk > $after AND (n.node_type = 'core.dict' OR (n.extras IS NOT NULL AND n.extras <> '{}'))
RETURN n.uuid AS uuid, n.pk AS pk,
       CASE WHEN n.node_type = 'core.dict' THEN n.attributes ELSE null END AS attributes,
       n.extras AS extras
ORDER BY n.pk
LIMIT $limit
