// name: archive.existing_logs
// mode: read
// params: uuids: list<string> (log records)
// returns: uuid of each of them the profile has already
// relies on: constraint log_uuid_unique
UNWIND $uuids AS wanted
MATCH (l:Log {uuid: wanted})
RETURN l.uuid AS uuid
