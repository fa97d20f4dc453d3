// name: store.reserve_pks
// mode: write
// params: name: string (the counter), count: int (how many pks to reserve)
// returns: first: int (the first pk of the reserved block)
// relies on: constraint sequence_name_unique
MATCH (s:Sequence {name: $name})
SET s.next = s.next + $count
RETURN s.next - $count AS first
