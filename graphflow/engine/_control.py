"""Pause, play, kill and resume processes, wherever they run (``graphflow.control``):
this interpreter's runner and :mod:`graphflow.engine._reach`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from graphflow import _loop
from graphflow.engine._owner import owners_alive
from graphflow.engine._reach import ControlResult, control, load_process
from graphflow.engine._runner import get_runner
from graphflow.errors import ProcessStateError

if TYPE_CHECKING:
    from graphflow.orm import ProcessNode

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


async def apause(identifier: int | str | ProcessNode) -> ControlResult:
    return await control(await get_runner(), identifier, "pause")


async def aplay(identifier: int | str | ProcessNode) -> ControlResult:
    return await control(await get_runner(), identifier, "play")


async def akill(
    identifier: int | str | ProcessNode, message: str = "killed by the user"
) -> ControlResult:
    return await control(await get_runner(), identifier, "kill", message)


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
    node = await load_process(identifier)
    if node.is_terminated:
        raise ProcessStateError(
            f"{node._ident()} is already {node.process_state.value}; there is nothing to resume"
        )
    runner = await get_runner()
    if runner.handle(node.uuid) is None:
        alive = (await owners_alive(runner.backend.store, [node.owner]))[node.owner]
        if alive is not False and node.owner:
            raise ProcessStateError(
                f"{node._ident()} is still running ({node.owner}); it cannot be resumed "
                "while its interpreter is alive"
            )
    handle = await runner.resume(node)
    if wait:
        await asyncio.shield(handle.terminated)
        if handle.exception is not None:
            raise handle.exception
    return handle.node


def resume(identifier: int | str | ProcessNode, *, wait: bool = True) -> ProcessNode:
    """Continue a crashed process from its last checkpoint in this interpreter."""
    return _loop.call(aresume(identifier, wait=wait))
