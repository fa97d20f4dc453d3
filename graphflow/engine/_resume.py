"""Rebuilding a stored process from its checkpoint, to continue it after a crash.

The checkpoint names the process class by entry point or import name; loading it imports
that module (or, for a class defined in a script, the script file under a name other
than ``__main__``, so its ``if __name__ == "__main__":`` block does not run again).
Reading the checkpoint itself runs no code.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from graphflow.engine._checkpoint import decode_value, loads, node_refs
from graphflow.engine._process import Process
from graphflow.errors import PluginError, ProcessStateError
from graphflow.orm import Backend, ProcessNode, aload_nodes
from graphflow.plugins import load_entry_point
from graphflow.types import ProcessState

__all__ = ["load_process_class", "rebuild"]


def load_process_class(process_type: str) -> type[Process]:
    """The Process class a ``process_type`` names (entry point, import name or script)."""
    if process_type.startswith("file:"):
        path_text, _, qualname = process_type[len("file:") :].rpartition(":")
        target: Any = _import_script(Path(path_text))
    elif ":" in process_type:
        module_name, _, qualname = process_type.partition(":")
        try:
            target = importlib.import_module(module_name)
        except ImportError as exc:
            raise PluginError(
                f"cannot import module {module_name!r} of process type {process_type!r}: {exc}"
            ) from exc
    else:
        for group in ("graphflow.workflows", "graphflow.calculations"):
            try:
                found = load_entry_point(group, process_type)
            except PluginError:
                continue
            return _check_class(found, process_type)
        raise PluginError(f"no workflow or calculation entry point named {process_type!r}")
    for part in qualname.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise PluginError(f"process type {process_type!r}: no {part!r} in {target!r}") from None
    return _check_class(target, process_type)


def _check_class(found: Any, process_type: str) -> type[Process]:
    process_class = getattr(found, "process_class", found)
    if not (isinstance(process_class, type) and issubclass(process_class, Process)):
        raise PluginError(f"process type {process_type!r} is not a process class")
    return process_class


def _import_script(path: Path) -> Any:
    if not path.is_file():
        raise PluginError(f"the script {path} that defines the process no longer exists")
    name = "graphflow_script_" + hashlib.sha256(str(path).encode()).hexdigest()[:12]
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"cannot import the script {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise PluginError(
            f"importing the script {path} failed: {type(exc).__name__}: {exc}"
        ) from exc
    return module


async def rebuild(backend: Backend, node: ProcessNode) -> Process:
    """A Process object continuing ``node`` from its checkpoint."""
    if node.is_terminated:
        raise ProcessStateError(f"{node._ident()} is {node.process_state.value}; it cannot resume")
    if node.checkpoint is None:
        raise ProcessStateError(f"{node._ident()} has no checkpoint to resume from")
    checkpoint = loads(node.checkpoint)
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
