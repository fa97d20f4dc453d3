// name: orm.list_computers
// mode: read
// params: none
// returns: computer: every computer, by label
MATCH (c:Computer)
RETURN c AS computer
ORDER BY c.label
