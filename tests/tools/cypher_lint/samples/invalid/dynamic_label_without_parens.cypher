// name: dynamic_label_without_parens
// params: uuid, labels
// returns: n
// A dynamic label is written $(expr); a bare $param is not a label.
MATCH (n:Node {uuid: $uuid})
SET n:$labels
RETURN n
