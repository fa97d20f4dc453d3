// name: archive.neighbours
// mode: read
// params: uuids: list<string> (nodes already in the archive)
// returns: uuid: a node the archive needs besides them, once each
// relies on: constraint node_uuid_unique
// AiiDA's rules for what a node brings along: a process its inputs, a calculation what
// it created, a workflow what it called and returned, a data node its creator. So an
// archive holds every ancestor, and a workflow's whole work; never the consumers of data.
UNWIND $uuids AS wanted
MATCH (n:Node {uuid: wanted})-[l:INPUT|CREATE|CALL|RETURN]-(m:Node)
WHERE (type(l) = 'INPUT' AND endNode(l) = n)
   OR (type(l) = 'CREATE' AND endNode(l) = n)
   OR (type(l) IN ['CREATE', 'CALL', 'RETURN'] AND startNode(l) = n)
RETURN DISTINCT m.uuid AS uuid
