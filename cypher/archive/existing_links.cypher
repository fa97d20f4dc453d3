// name: archive.existing_links
// mode: read
// params: links: list<map> (source, target: uuids; type; label)
// returns: source, target, type, label of each of those links the profile has already
// relies on: constraint node_uuid_unique
UNWIND $links AS link
MATCH (a:Node {uuid: link.source})-[l:INPUT|CREATE|CALL|RETURN]->(b:Node {uuid: link.target})
WHERE type(l) = link.type AND l.label = link.label
RETURN link.source AS source, link.target AS target, link.type AS type, link.label AS label
