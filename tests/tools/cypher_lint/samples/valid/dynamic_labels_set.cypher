// name: dynamic_labels_set
// params: uuid, labels (list of strings)
// returns: n
// Dynamic labels: Neo4j 5.26+.
MATCH (n:Node {uuid: $uuid})
SET n:$($labels)
RETURN n
