// name: shell.path_undirected
// mode: read
// params: source: int (pk), target: int (pk)
// returns: nodes: the nodes of a shortest path between source and target over any link
//          type, ignoring direction; links: one map per hop {type, label, source, target}
//          (uuids, in the link's own direction); no row when they are not connected
// relies on: constraint node_pk_unique
// The length bound (100 links) is part of the pattern: Cypher cannot take it as a parameter.
MATCH (a:Node {pk: $source}), (b:Node {pk: $target})
MATCH p = shortestPath((a)-[:INPUT|CREATE|RETURN|CALL*..100]-(b))
RETURN nodes(p) AS nodes,
       [r IN relationships(p) |
        {type: type(r), label: r.label, source: startNode(r).uuid, target: endNode(r).uuid}] AS links
