// name: dynamic_labels_create
// params: labels (list of strings), props (map)
// returns: n
// Dynamic labels: Neo4j 5.26+.
CREATE (n:$($labels))
SET n = $props
RETURN n
