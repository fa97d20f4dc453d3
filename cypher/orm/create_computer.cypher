// name: orm.create_computer
// mode: write
// params: props: map (label, uuid, hostname, transport, scheduler, workdir, ... as stored)
// returns: label: the new computer's label
// relies on: constraint computer_label_unique (a second computer with the label fails)
CREATE (c:Computer)
SET c = $props
RETURN c.label AS label
