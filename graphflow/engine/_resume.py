"""Rebuilding a stored process from its checkpoint, to continue it after a crash.

The checkpoint names the process class (see :mod:`graphflow.engine._importing`); loading
it imports that module or script, and only from where the profile trusts code to come
from (:mod:`graphflow.engine._trust`). Reading the checkpoint itself runs no code.
"""

from __future__ import annotations

import asyncio
from typing import Any

from graphflow.engine._checkpoint import decode_value, loads, node_refs
from graphflow.engine._importing import load_named
from graphflow.engine._process import Process
from graphflow.engine._trust import check_trusted
from graphflow.errors import PluginError, ProcessStateError
from graphflow.orm import Backend, ProcessNode, aload_nodes
from graphflow.plugins import load_entry_point
from graphflow.types import ProcessState

__all__ = ["load_process_class", "rebuild"]


def load_process_class(process_type: str) -> type[Process]:
    """The Process class a ``process_type`` names (entry point, import name or script)."""
    if process_type.startswith("file:") or ":" in process_type:
        return _check_class(load_named(process_type), process_type)
    for group in ("graphflow.workflows", "graphflow.calculations"):
        try:
            found = load_entry_point(group, process_type)
        except PluginError:
            continue
        return _check_class(found, process_type)
    raise PluginError(f"no workflow or calculation entry point named {process_type!r}")


def _check_class(found: Any, process_type: str) -> type[Process]:
    process_class = getattr(found, "process_class", found)
    if not (isinstance(process_class, type) and issubclass(process_class, Process)):
        raise PluginError(f"process type {process_type!r} is not a process class")
    return process_class


async def rebuild(backend: Backend, node: ProcessNode) -> Process:
    """A Process object continuing ``node`` from its checkpoint."""
    if node.is_terminated:
        raise ProcessStateError(f"{node._ident()} is {node.process_state.value}; it cannot resume")
    if node.checkpoint is None:
        raise ProcessStateError(f"{node._ident()} has no checkpoint to resume from")
    checkpoint = loads(node.checkpoint)
    # the store names the class: import it only from where this profile launches code
    await asyncio.to_thread(check_trusted, backend.profile, checkpoint.process_type)
    process_class = await asyncio.to_thread(load_process_class, checkpoint.process_type)
    refs = (
        node_refs(checkpoint.inputs) | node_refs(checkpoint.ctx) | set(checkpoint.outputs.values())
    )
    nodes = await aload_nodes(backend, sorted(refs))
    inputs = decode_value(checkpoint.inputs, nodes, "inputs")

    def build() -> Process:
        process = process_class(inputs)
        process.node = node
        process._state = ProcessState(checkpoint.state)
        process.restore(checkpoint, nodes)
        return process

    return await asyncio.to_thread(build)
