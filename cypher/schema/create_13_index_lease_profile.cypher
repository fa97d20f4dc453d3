// name: schema.create_13_index_lease_profile
// mode: schema
// params: none
// returns: nothing
// The leases of one profile, every host's: graphflow daemon status (engine.leases).
CREATE INDEX lease_profile IF NOT EXISTS
FOR (l:Lease) ON (l.profile)
