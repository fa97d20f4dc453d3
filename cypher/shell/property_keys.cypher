// name: shell.property_keys
// mode: read
// params: sample: int (how many nodes, and links, of each kind to look at)
// returns: owner: a label or relationship type, key: a property key seen on it
// relies on: nothing; every branch stops after $sample elements, so the cost does not
//            grow with the graph (db.propertyKeys() answers nothing on ArcadeDB)
// Processes, data and Dicts are sampled apart so that a graph of a million Int nodes
// still shows the keys of its few processes, and the entries of its Dicts (which are
// properties: store/_model.py); the last branches catch everything else.
MATCH (n:Process)
WITH n LIMIT $sample
UNWIND labels(n) AS owner
UNWIND keys(n) AS key
RETURN owner, key
UNION
MATCH (n:Data)
WITH n LIMIT $sample
UNWIND labels(n) AS owner
UNWIND keys(n) AS key
RETURN owner, key
UNION
MATCH (n:Dict)
WITH n LIMIT $sample
UNWIND labels(n) AS owner
UNWIND keys(n) AS key
RETURN owner, key
UNION
MATCH (n)
WITH n LIMIT $sample
UNWIND labels(n) AS owner
UNWIND keys(n) AS key
RETURN owner, key
UNION
MATCH ()-[r]->()
WITH r LIMIT $sample
UNWIND keys(r) AS key
RETURN type(r) AS owner, key
