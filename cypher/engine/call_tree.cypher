// name: engine.call_tree
// mode: read
// params: uuid: string (the root process)
// returns: caller: uuid, label: CALL link label, node: every process called, at any depth
// relies on: constraint node_uuid_unique
MATCH (root:Node {uuid: $uuid})
WHERE root:Process
MATCH (root)-[:CALL*0..]->(parent:Process)
WITH DISTINCT parent
MATCH (parent)-[link:CALL]->(child:Process)
RETURN parent.uuid AS caller, link.label AS label, child AS node
