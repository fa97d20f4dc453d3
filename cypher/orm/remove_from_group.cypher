// name: orm.remove_from_group
// mode: write
// params: key: string, uuids: list<string>
// returns: removed: how many memberships were removed (the nodes stay)
// relies on: constraint group_key_unique, constraint node_uuid_unique
MATCH (g:Group {key: $key})
UNWIND $uuids AS wanted
MATCH (g)-[member:CONTAINS]->(n:Node {uuid: wanted})
DELETE member
RETURN count(member) AS removed
