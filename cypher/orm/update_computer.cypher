// name: orm.update_computer
// mode: write
// params: label: string, props: map (settings to change; null removes one)
// returns: computer: the updated computer (no row if none)
// relies on: constraint computer_label_unique
MATCH (c:Computer {label: $label})
SET c += $props
RETURN c AS computer
