// name: schema.create_05_index_log_process
// mode: schema
// params: none
// returns: nothing
CREATE INDEX log_process IF NOT EXISTS
FOR (l:Log) ON (l.process_uuid)
