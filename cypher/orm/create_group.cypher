// name: orm.create_group
// mode: write
// params: props: map (uuid, key, label, type_string, description, ctime)
// returns: uuid: the new group's uuid
// relies on: constraint group_key_unique (a second group with the key fails)
CREATE (g:Group)
SET g = $props
RETURN g.uuid AS uuid
