"""How a control request reaches a process wherever it runs.

A process driven by the given runner is controlled directly; one driven by another runner
is asked over the broker's RPC; one whose owner interpreter is gone (it crashed) is
controlled through the store: kill marks it killed, pause/play set its ``paused`` flag,
which a later resume respects. A process driven by another live interpreter needs a
broker (see the daemon), and the error says so.

The runner is passed in, so the runner itself can use this (to kill the children of a
process that run elsewhere) without the two modules importing each other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphflow.broker import RpcRequest
from graphflow.engine._owner import owner_alive, owners_alive
from graphflow.engine._parking import unparking_props, wake_parked_caller
from graphflow.errors import GraphflowError, NotExistentError, ProcessError
from graphflow.orm import ProcessNode, aload_node, get_backend
from graphflow.store import WriteBatch
from graphflow.types import ProcessState

if TYPE_CHECKING:
    from graphflow.engine._runner import Runner

__all__ = ["RPC_TIMEOUT", "ControlResult", "control", "load_process"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ControlResult:
    """What happened to one process."""

    pk: int | None
    done: bool
    message: str


async def load_process(identifier: int | str | ProcessNode) -> ProcessNode:
    if isinstance(identifier, ProcessNode):
        return identifier
    node = await aload_node(await get_backend(), identifier)
    if not isinstance(node, ProcessNode):
        raise NotExistentError(f"node {identifier} ({node.type_label}) is not a process")
    return node


#: how long a control request waits for the runner that holds the process to answer
RPC_TIMEOUT = 3.0


def _already(node: ProcessNode) -> ControlResult:
    return ControlResult(node.pk, False, f"{node._ident()} is already {node.process_state.value}")


async def control(
    runner: Runner, identifier: int | str | ProcessNode, action: str, message: str = ""
) -> ControlResult:
    """Pause, play or kill (``action``) a process: through ``runner`` if it drives it, else
    by RPC to whichever runner does, else through the store."""
    node = await load_process(identifier)
    if node.is_terminated:
        return _already(node)
    if runner.handle(node.uuid) is not None:
        refusal = runner.refusal(node.uuid, action)
        if refusal is not None:
            raise ProcessError(refusal)
        if action == "pause":
            await runner.pause(node.uuid)
        elif action == "play":
            await runner.play(node.uuid)
        else:
            await runner.kill(node.uuid, message)
        return ControlResult(node.pk, True, f"{action} sent to {node._ident()}")
    if runner.communicator is not None:
        replies = await runner.communicator.rpc(
            RpcRequest(action, node.uuid, message), wait=RPC_TIMEOUT
        )
        if replies:
            if replies[0].data.get("refused"):
                raise ProcessError(replies[0].message)
            return ControlResult(node.pk, replies[0].ok, replies[0].message)
        node = await load_process(node.uuid)  # it may have ended meanwhile
        if node.is_terminated:
            return _already(node)
    backend = await get_backend()
    alive = (await owners_alive(backend.store, [node.owner]))[node.owner]
    if alive is not False and node.owner:
        elsewhere = owner_alive(node.owner) is None
        where = "on another machine" if elsewhere else "by another interpreter on this machine"
        if runner.communicator is not None:
            raise ProcessError(
                f"{node._ident()} is run {where} ({node.owner}), which did not answer within "
                f"{RPC_TIMEOUT:.0f} s"
            )
        raise ProcessError(
            f"{node._ident()} is run {where} ({node.owner}); without a broker it can be "
            "controlled only from there (graphflow.control), or configure a broker with "
            "'graphflow profile set-broker'"
        )
    batch = WriteBatch()
    if action == "kill":
        batch.update(
            node.uuid,
            node._state_update(
                state=ProcessState.KILLED, exit_message=message, clear_checkpoint=True
            ),
        )
        if node.parked_on is not None:
            batch.update(node.uuid, unparking_props())
    else:
        batch.update(node.uuid, node._state_update(paused=action == "pause"))
    await backend.writer.write(batch)
    if action == "kill" and runner.communicator is not None:
        # its caller may be parked, waiting for it: no runner ends it, so wake it here
        await wake_parked_caller(backend, runner.communicator, node.uuid)
    if action == "kill" and node.parked_on is not None:
        # as a running parent kills the children it waits for (Runner._kill_children)
        for child in node.parked_on:
            await _kill_child(runner, child, message)
    if node.parked_on is not None:
        where = "parked in the store, waiting for its children"
    elif node.owner is None:
        where = "queued, not running yet"
    else:
        where = "not running anywhere"
    return ControlResult(node.pk, True, f"{action}: {node._ident()} ({where})")


async def _kill_child(runner: Runner, uuid: str, message: str) -> None:
    """Kill a child of a parked process; a failure is reported, not raised (the parent is
    killed either way)."""
    try:
        await control(runner, uuid, "kill", message)
    except GraphflowError as exc:
        log.warning("could not kill the child %s: %s", uuid, exc)
