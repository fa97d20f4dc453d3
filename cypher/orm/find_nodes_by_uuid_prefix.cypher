// name: orm.find_nodes_by_uuid_prefix
// mode: read
// params: prefix: string (lower-case hex, at least 4 characters)
// returns: node: up to 10 nodes whose uuid starts with the prefix
MATCH (n:Node)
WHERE n.uuid STARTS WITH $prefix
RETURN n AS node
LIMIT 10
