// name: schema.create_12_constraint_lease_owner
// mode: schema
// params: none
// returns: nothing
// One lease per runner (engine._lease): makes the MERGE of engine.renew_lease atomic, and
// is the index every liveness check seeks.
CREATE CONSTRAINT lease_owner_unique IF NOT EXISTS
FOR (l:Lease) REQUIRE l.owner IS UNIQUE
