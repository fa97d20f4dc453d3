// name: archive.creators
// mode: read
// params: uuids: list<string> (data nodes)
// returns: uuid: a data node that has a creator; creator: the uuid of the calculation
//   that created it (a data node has one at most)
// relies on: constraint node_uuid_unique
UNWIND $uuids AS wanted
MATCH (c:Node)-[:CREATE]->(d:Node {uuid: wanted})
RETURN d.uuid AS uuid, c.uuid AS creator
