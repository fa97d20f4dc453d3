// name: engine.set_process_properties
// mode: write
// params: uuid: string, props: map (process_state, paused, exit_message, checkpoint: null removes)
// returns: node: the updated process node
// relies on: constraint node_uuid_unique
MATCH (p:Node {uuid: $uuid})
WHERE p:Process
SET p += $props
RETURN p AS node
