// name: header_only
// params: none
// returns: nothing
