// name: orm.get_computer
// mode: read
// params: label: string
// returns: computer: the computer (no row if none)
// relies on: constraint computer_label_unique
MATCH (c:Computer {label: $label})
RETURN c AS computer
