// name: engine.lease_left
// mode: read
// params: owners: list<string> (runners, as in a process's owner property)
// returns: owner: string, left_ms: int (until its lease expires on the server's clock; <= 0:
//          expired), one row per owner that has a lease
// relies on: constraint lease_owner_unique
UNWIND $owners AS owner
MATCH (l:Lease {owner: owner})
RETURN l.owner AS owner, l.expires - timestamp() AS left_ms
