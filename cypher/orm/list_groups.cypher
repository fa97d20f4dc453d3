// name: orm.list_groups
// mode: read
// params: type_string: string|null (only groups of this type)
// returns: group, count: every group with how many nodes it holds, by label
// relies on: nothing (groups are few)
MATCH (g:Group)
WHERE $type_string IS NULL OR g.type_string = $type_string
OPTIONAL MATCH (g)-[:CONTAINS]->(n:Node)
RETURN g AS group, count(n) AS count
ORDER BY g.label
