// name: orm.data_to_rehash
// mode: read
// params: after: int (the last pk handled), limit: int
// returns: uuid: str, pk: int, node_type: str, attributes: str (JSON), hash: str or null,
//   value: a base type's exact value (a Float's NaN or infinity is null in its JSON)
// relies on: constraint node_pk_unique (pages follow the pk index, not a label scan)
// `graphflow node rehash`: the data nodes, a page at a time in pk order.
MATCH (n:Node)
WHERE n.pk > $after AND n:Data
RETURN n.uuid AS uuid, n.pk AS pk, n.node_type AS node_type, n.attributes AS attributes,
       n.hash AS hash, n.value AS value
ORDER BY n.pk
LIMIT $limit
