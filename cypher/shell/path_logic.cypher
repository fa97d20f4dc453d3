// name: shell.path_logic
// mode: read
// params: source: int (pk), target: int (pk)
// returns: nodes: a shortest path from source down to target, along the direction of
//          logical links (INPUT, RETURN, CALL); links: per hop {type, label, source, target} (uuids);
//          no row when there is no such path
// relies on: constraint node_pk_unique
// The length bound (100 links) is part of the pattern: Cypher cannot take it as a parameter.
MATCH (a:Node {pk: $source}), (b:Node {pk: $target})
MATCH p = shortestPath((a)-[:INPUT|RETURN|CALL*..100]->(b))
RETURN nodes(p) AS nodes,
       [r IN relationships(p) |
        {type: type(r), label: r.label, source: startNode(r).uuid, target: endNode(r).uuid}] AS links
