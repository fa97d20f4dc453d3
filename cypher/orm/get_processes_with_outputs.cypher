// name: orm.get_processes_with_outputs
// mode: read
// params: uuids: list<string>
// returns: node: the process, label: string or null, output: its output node or null;
//          one row per output (one row with nulls for a process without outputs)
// relies on: constraint node_uuid_unique
UNWIND $uuids AS wanted
MATCH (n:Node {uuid: wanted})
OPTIONAL MATCH (n)-[l]->(output:Node)
WHERE type(l) IN ['CREATE', 'RETURN']
RETURN n AS node, l.label AS label, output
