// name: shortest_path
// params: none
// returns: p
MATCH p = shortestPath((a)-[*]-(b))
RETURN p
