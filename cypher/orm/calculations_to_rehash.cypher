// name: orm.calculations_to_rehash
// mode: read
// params: after: int (the last pk handled), limit: int
// returns: uuid: str, pk: int, node_type: str, process_type: str, attributes: str (JSON),
//   hash: str or null, inputs: list of [link label, the input's hash]
// relies on: constraint node_pk_unique (pages follow the pk index, not a label scan)
// `graphflow node rehash`, after the data nodes: the calculations, a page at a time.
MATCH (n:Node)
WHERE n.pk > $after AND n:Calculation
WITH n
ORDER BY n.pk
LIMIT $limit
OPTIONAL MATCH (i:Node)-[l:INPUT]->(n)
RETURN n.uuid AS uuid, n.pk AS pk, n.node_type AS node_type,
       n.process_type AS process_type, n.attributes AS attributes, n.hash AS hash,
       collect([l.label, i.hash]) AS inputs
ORDER BY pk
