// name: create_nodes
// params: rows (list of property maps)
// returns: nothing
UNWIND $rows AS row
CREATE (n:Node:Data:Int)
SET n = row
