"""Pause, play, kill and resume processes, wherever they run.

A process driven by this interpreter's runner is controlled directly. A process whose
owner interpreter is gone (it crashed) is controlled through the store: kill marks it
killed, pause/play set its ``paused`` flag, which a later resume respects. A process
driven by another live interpreter needs a broker (see the daemon), and the error says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphflow import _loop
from graphflow.broker import RpcRequest
from graphflow.engine._owner import owner_alive
from graphflow.engine._runner import get_runner
from graphflow.errors import NotExistentError, ProcessError, ProcessStateError
from graphflow.orm import ProcessNode, aload_node, get_backend
from graphflow.store import WriteBatch
from graphflow.types import ProcessState

__all__ = [
    "ControlResult",
    "akill",
    "apause",
    "aplay",
    "aresume",
    "kill",
    "pause",
    "play",
    "resume",
]


@dataclass(frozen=True, slots=True)
class ControlResult:
    """What happened to one process."""

    pk: int | None
    done: bool
    message: str


async def _load_process(identifier: int | str | ProcessNode) -> ProcessNode:
    if isinstance(identifier, ProcessNode):
        return identifier
    node = await aload_node(await get_backend(), identifier)
    if not isinstance(node, ProcessNode):
        raise NotExistentError(f"node {identifier} is a {node.type_label}, not a process")
    return node


#: how long a control request waits for the runner that holds the process to answer
RPC_TIMEOUT = 3.0


def _already(node: ProcessNode) -> ControlResult:
    return ControlResult(node.pk, False, f"{node._ident()} is already {node.process_state.value}")


async def _apply(identifier: int | str | ProcessNode, action: str, message: str) -> ControlResult:
    node = await _load_process(identifier)
    runner = await get_runner()
    if node.is_terminated:
        return _already(node)
    if runner.handle(node.uuid) is not None:
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
            return ControlResult(node.pk, replies[0].ok, replies[0].message)
        node = await _load_process(node.uuid)  # it may have ended meanwhile
        if node.is_terminated:
            return _already(node)
    alive = owner_alive(node.owner)
    if alive is not False and node.owner:
        where = "on another machine" if alive is None else "by another interpreter on this machine"
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
    backend = await get_backend()
    batch = WriteBatch()
    if action == "kill":
        batch.update(
            node.uuid,
            node._state_update(
                state=ProcessState.KILLED, exit_message=message, clear_checkpoint=True
            ),
        )
    else:
        batch.update(node.uuid, node._state_update(paused=action == "pause"))
    await backend.writer.write(batch)
    where = "queued, not running yet" if node.owner is None else "not running anywhere"
    return ControlResult(node.pk, True, f"{action}: {node._ident()} ({where})")


async def apause(identifier: int | str | ProcessNode) -> ControlResult:
    return await _apply(identifier, "pause", "")


async def aplay(identifier: int | str | ProcessNode) -> ControlResult:
    return await _apply(identifier, "play", "")


async def akill(
    identifier: int | str | ProcessNode, message: str = "killed by the user"
) -> ControlResult:
    return await _apply(identifier, "kill", message)


def pause(*identifiers: int | str | ProcessNode) -> list[ControlResult]:
    """Pause processes (they stop at their next step boundary and keep their state)."""
    return [_loop.call(apause(i)) for i in identifiers]


def play(*identifiers: int | str | ProcessNode) -> list[ControlResult]:
    """Let paused processes continue."""
    return [_loop.call(aplay(i)) for i in identifiers]


def kill(
    *identifiers: int | str | ProcessNode, message: str = "killed by the user"
) -> list[ControlResult]:
    """Kill processes, and the children they wait for."""
    return [_loop.call(akill(i, message)) for i in identifiers]


async def aresume(identifier: int | str | ProcessNode, *, wait: bool = True) -> ProcessNode:
    """Continue a process (and its unfinished children) from its last checkpoint here."""
    node = await _load_process(identifier)
    if node.is_terminated:
        raise ProcessStateError(
            f"{node._ident()} is already {node.process_state.value}; there is nothing to resume"
        )
    runner = await get_runner()
    if runner.handle(node.uuid) is None:
        alive = owner_alive(node.owner)
        if alive is not False and node.owner:
            raise ProcessStateError(
                f"{node._ident()} is still running ({node.owner}); it cannot be resumed "
                "while its interpreter is alive"
            )
    handle = await runner.resume(node)
    if wait:
        import asyncio

        await asyncio.shield(handle.terminated)
        if handle.exception is not None:
            raise handle.exception
    return handle.node


def resume(identifier: int | str | ProcessNode, *, wait: bool = True) -> ProcessNode:
    """Continue a crashed process from its last checkpoint in this interpreter."""
    return _loop.call(aresume(identifier, wait=wait))
