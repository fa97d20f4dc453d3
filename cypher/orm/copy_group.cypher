// name: orm.copy_group
// mode: write
// params: source: string, target: string (group keys; the target exists)
// returns: copied: how many nodes of the source the target now holds
// relies on: constraint group_key_unique
MATCH (source:Group {key: $source}), (target:Group {key: $target})
MATCH (source)-[:CONTAINS]->(n:Node)
MERGE (target)-[:CONTAINS]->(n)
RETURN count(n) AS copied
