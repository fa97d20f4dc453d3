// name: store.ensure_sequence
// mode: write
// params: name: string (the counter)
// returns: nothing
// relies on: constraint sequence_name_unique
MERGE (s:Sequence {name: $name})
ON CREATE SET s.next = 1
