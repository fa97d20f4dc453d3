// name: store.write_batch
// mode: write
// params: nodes_<Group>: list<map> per label combination (Data, Int, Float, Str, Bool, Dict,
//           List, ArrayData, SinglefileData, FolderData, RemoteData, Code, CalcFunction,
//           CalcJob, WorkFunction, WorkChain): properties of new nodes, each with uuid and pk;
//         updates: list<{uuid: string, props: map}> (a null value removes a property);
//         links_<TYPE>: list<{src: string, dst: string, label: string}> per link type;
//         logs: list<map> (log records, each with its own uuid);
//         fences: list<{uuid: string, owner: string}>: processes this write may change only
//           while their owner in the store is still the writer
// returns: ok: 1; no row (and nothing written: the writer rolls back) when a fence failed
// relies on: constraints node_uuid_unique, node_pk_unique, log_uuid_unique
// One statement for a whole group commit: one round trip per transaction. New nodes come
// first, so updates and links can refer to them. MERGE keeps links and logs idempotent;
// node creation is checked by the writer before a commit of unknown outcome is repeated.
// The fences come first and take each fenced node's write lock (setting and removing
// _fence) before reading its owner, so that on Neo4j (read committed) a claim committed
// meanwhile is seen, and one that comes later waits for this write.
CALL () {
  UNWIND $fences AS fence
  MATCH (p:Node {uuid: fence.uuid})
  SET p._fence = true
  REMOVE p._fence
  WITH p, fence
  WHERE p.owner IS NULL OR p.owner <> fence.owner
  RETURN count(p) AS lost
}
WITH lost
WHERE lost = 0
CALL () { UNWIND $nodes_Data AS row CREATE (n:Node:Data) SET n = row }
CALL () { UNWIND $nodes_Int AS row CREATE (n:Node:Data:Int) SET n = row }
CALL () { UNWIND $nodes_Float AS row CREATE (n:Node:Data:Float) SET n = row }
CALL () { UNWIND $nodes_Str AS row CREATE (n:Node:Data:Str) SET n = row }
CALL () { UNWIND $nodes_Bool AS row CREATE (n:Node:Data:Bool) SET n = row }
CALL () { UNWIND $nodes_Dict AS row CREATE (n:Node:Data:Dict) SET n = row }
CALL () { UNWIND $nodes_List AS row CREATE (n:Node:Data:List) SET n = row }
CALL () { UNWIND $nodes_ArrayData AS row CREATE (n:Node:Data:ArrayData) SET n = row }
CALL () { UNWIND $nodes_SinglefileData AS row CREATE (n:Node:Data:SinglefileData) SET n = row }
CALL () { UNWIND $nodes_FolderData AS row CREATE (n:Node:Data:FolderData) SET n = row }
CALL () { UNWIND $nodes_RemoteData AS row CREATE (n:Node:Data:RemoteData) SET n = row }
CALL () { UNWIND $nodes_Code AS row CREATE (n:Node:Data:Code) SET n = row }
CALL () { UNWIND $nodes_CalcFunction AS row CREATE (n:Node:Process:Calculation:CalcFunction) SET n = row }
CALL () { UNWIND $nodes_CalcJob AS row CREATE (n:Node:Process:Calculation:CalcJob) SET n = row }
CALL () { UNWIND $nodes_WorkFunction AS row CREATE (n:Node:Process:Workflow:WorkFunction) SET n = row }
CALL () { UNWIND $nodes_WorkChain AS row CREATE (n:Node:Process:Workflow:WorkChain) SET n = row }
CALL () { UNWIND $updates AS row MATCH (n:Node {uuid: row.uuid}) SET n += row.props }
CALL () {
  UNWIND $links_INPUT AS row
  MATCH (a:Node {uuid: row.src})
  MATCH (b:Node {uuid: row.dst})
  MERGE (a)-[:INPUT {label: row.label}]->(b)
}
CALL () {
  UNWIND $links_CREATE AS row
  MATCH (a:Node {uuid: row.src})
  MATCH (b:Node {uuid: row.dst})
  MERGE (a)-[:CREATE {label: row.label}]->(b)
}
CALL () {
  UNWIND $links_RETURN AS row
  MATCH (a:Node {uuid: row.src})
  MATCH (b:Node {uuid: row.dst})
  MERGE (a)-[:RETURN {label: row.label}]->(b)
}
CALL () {
  UNWIND $links_CALL AS row
  MATCH (a:Node {uuid: row.src})
  MATCH (b:Node {uuid: row.dst})
  MERGE (a)-[:CALL {label: row.label}]->(b)
}
CALL () { UNWIND $logs AS row MERGE (l:Log {uuid: row.uuid}) ON CREATE SET l += row }
RETURN 1 AS ok
