// name: engine.get_logs
// mode: read
// params: uuid: string (the process node)
// returns: time, level, message: the process's log records in order
// relies on: index log_process
MATCH (l:Log {process_uuid: $uuid})
RETURN l.time AS time, l.level AS level, l.message AS message
ORDER BY l.time, l.uuid
