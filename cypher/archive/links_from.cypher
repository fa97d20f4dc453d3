// name: archive.links_from
// mode: read
// params: uuids: list<string>
// returns: source, target: uuids; type: INPUT, CREATE, CALL or RETURN; label: the link label
// relies on: constraint node_uuid_unique
UNWIND $uuids AS wanted
MATCH (n:Node {uuid: wanted})-[l:INPUT|CREATE|CALL|RETURN]->(m:Node)
RETURN n.uuid AS source, m.uuid AS target, type(l) AS type, l.label AS label
