// name: orm.add_to_group
// mode: write
// params: key: string, uuids: list<string> (stored nodes)
// returns: added: how many of the nodes are now in the group (once each)
// relies on: constraint group_key_unique, constraint node_uuid_unique
MATCH (g:Group {key: $key})
UNWIND $uuids AS wanted
MATCH (n:Node {uuid: wanted})
MERGE (g)-[:CONTAINS]->(n)
RETURN count(n) AS added
