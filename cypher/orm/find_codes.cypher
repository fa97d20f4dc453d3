// name: orm.find_codes
// mode: read
// params: label: string|null (the code's label, or null for every code),
//         computer: string|null (its computer's label, or null for any)
// returns: node: matching codes, by pk
MATCH (c:Code)
WHERE ($label IS NULL OR c.label = $label) AND ($computer IS NULL OR c.computer = $computer)
RETURN c AS node
ORDER BY c.pk
