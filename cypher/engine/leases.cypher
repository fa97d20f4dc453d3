// name: engine.leases
// mode: read
// params: profile: string
// returns: owner, host, pid, kind, up_ms (since first written), age_ms (since last
//          renewed), left_ms (until it expires; <= 0: expired), all on the server's clock;
//          slots, busy, waiting, done. Not the leases of runners that stopped cleanly.
// relies on: index lease_profile
MATCH (l:Lease {profile: $profile})
WHERE l.stopped IS NULL
RETURN l.owner AS owner, l.host AS host, l.pid AS pid, l.kind AS kind,
       timestamp() - l.started AS up_ms, timestamp() - l.renewed AS age_ms,
       l.expires - timestamp() AS left_ms,
       l.slots AS slots, l.busy AS busy, l.waiting AS waiting, l.done AS done
ORDER BY host, pid
