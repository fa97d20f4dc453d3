// name: engine.forget_leases
// mode: write
// params: profile: string, forget_ms: int (how long an expired lease is kept),
//         stopped_ms: int (how long the lease of a runner that stopped cleanly is kept)
// returns: nothing
// relies on: index lease_profile. A host that never comes back stays in status, as
//            expired, for forget_ms; then its leases go.
MATCH (l:Lease {profile: $profile})
WHERE l.expires < timestamp() - $forget_ms
   OR (l.stopped = true AND l.expires < timestamp() - $stopped_ms)
DELETE l
