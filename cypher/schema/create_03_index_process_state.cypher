// name: schema.create_03_index_process_state
// mode: schema
// params: none
// returns: nothing
CREATE INDEX process_state IF NOT EXISTS
FOR (n:Process) ON (n.process_state)
