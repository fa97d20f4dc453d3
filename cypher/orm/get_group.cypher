// name: orm.get_group
// mode: read
// params: key: string ("<type_string>:<label>")
// returns: group: the group, count: how many nodes it holds (no row if there is no group)
// relies on: constraint group_key_unique
MATCH (g:Group {key: $key})
OPTIONAL MATCH (g)-[:CONTAINS]->(n:Node)
RETURN g AS group, count(n) AS count
