// name: store.ping
// mode: read
// params: none
// returns: ok: int (1: the server runs queries, not only accepts connections)
RETURN 1 AS ok
