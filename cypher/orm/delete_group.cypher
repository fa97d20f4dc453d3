// name: orm.delete_group
// mode: write
// params: key: string
// returns: deleted: 1 if the group existed (its nodes stay)
// relies on: constraint group_key_unique
MATCH (g:Group {key: $key})
DETACH DELETE g
RETURN count(*) AS deleted
