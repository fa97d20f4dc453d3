// name: merge_links
// params: links (list of {source, target, label})
// returns: created
UNWIND $links AS link
MATCH (s:Node {uuid: link.source}), (t:Node {uuid: link.target})
MERGE (s)-[r:INPUT {label: link.label}]->(t)
RETURN count(r) AS created
