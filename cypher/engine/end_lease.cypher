// name: engine.end_lease
// mode: write
// params: owner: string (a runner that stopped cleanly)
// returns: nothing
// relies on: constraint lease_owner_unique. The lease is ended, not deleted: a stopping
//            worker's pid still runs for a moment after, and a lease-less live pid of this
//            host counts as alive (engine._owner.judge), which would leave the processes it
//            just handed back to nobody. engine.forget_leases deletes it later.
MATCH (l:Lease {owner: $owner})
SET l.expires = timestamp(), l.stopped = true
