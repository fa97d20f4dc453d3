// name: archive.logs
// mode: read
// params: uuids: list<string> (processes)
// returns: props: every property of each log record of those processes
// relies on: index log_process
UNWIND $uuids AS wanted
MATCH (l:Log {process_uuid: wanted})
RETURN properties(l) AS props
