// name: engine.renew_lease
// mode: write
// params: owner: string (the runner, engine._owner.this_owner), host: string, pid: int,
//         profile: string, kind: string ('worker'), ttl_ms: int (the lease's length),
//         slots: int, busy: int, waiting: int, done: int (the runner's figures, for status)
// returns: lapsed: true if the lease existed and had expired before this renewal
// relies on: constraint lease_owner_unique. Times are the store server's (timestamp(), ms),
//            never a host's, so hosts whose clocks disagree agree on which leases expired.
MERGE (l:Lease {owner: $owner})
WITH l, l.expires AS previous, timestamp() AS now
SET l.host = $host, l.pid = $pid, l.profile = $profile, l.kind = $kind,
    l.started = coalesce(l.started, now), l.renewed = now, l.expires = now + $ttl_ms,
    l.stopped = null, l.slots = $slots, l.busy = $busy, l.waiting = $waiting, l.done = $done
RETURN previous IS NOT NULL AND previous <= now AS lapsed
