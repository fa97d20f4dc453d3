"""Caching, as AiiDA has it: a calculation whose hash matches a finished one is not run.

Every calculation gets a hash when it is created (its class, attributes and its inputs'
hashes: :meth:`~graphflow.orm.CalculationNode.hash_with_inputs`), stored as the indexed
property ``hash`` (a job's options are attributes: those that only say how it queues
are left out). Where caching is enabled for its class, a calculation finds the oldest
finished calculation of the same type and hash that finished ok and is not marked
``is_valid_cache = False``; instead of running (a process function's body; a job's
upload, submission and parsing), it gets unstored copies of that calculation's outputs
(CREATE links of its own) and records where they came from in ``cached_from``.
Workflows are never cached: they only call and return.

Where caching is enabled, most specific first: a ``with enable_caching()`` or
``disable_caching()`` block in this interpreter (the innermost that names the class, or
names none), then the profile's options ``caching.disabled_for``, ``caching.enabled_for``
(lists of process types, ``*`` wildcards allowed) and ``caching.default_enabled``.
Daemon workers read the profile's options only: a ``with`` block in a script does not
reach them, as in AiiDA.
"""

from __future__ import annotations

import contextlib
import fnmatch
import threading
from typing import TYPE_CHECKING, Any

from graphflow import _loop
from graphflow.orm import Data, alinks, aload_node
from graphflow.store import query

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from graphflow.config import Profile
    from graphflow.orm import Backend, CalculationNode, Node

__all__ = [
    "acached_outputs",
    "cached_outputs",
    "caching_enabled",
    "disable_caching",
    "enable_caching",
]

_lock = threading.Lock()
#: the open enable/disable blocks, innermost last: (enabled, process type pattern or None)
_blocks: list[tuple[bool, str | None]] = []


@contextlib.contextmanager
def enable_caching(*, identifier: Any = None) -> Iterator[None]:
    """Within the block, calculations of ``identifier`` (a process type such as
    ``mymodule:add``, a pattern with ``*``, a calcfunction or a CalcJob class; all if
    None) are served from the cache when they can be."""
    with _block(True, identifier):
        yield


@contextlib.contextmanager
def disable_caching(*, identifier: Any = None) -> Iterator[None]:
    """Within the block, calculations of ``identifier`` (all if None) always run."""
    with _block(False, identifier):
        yield


@contextlib.contextmanager
def _block(enabled: bool, identifier: Any) -> Iterator[None]:
    entry = (enabled, _pattern(identifier))
    with _lock:
        _blocks.append(entry)
    try:
        yield
    finally:
        with _lock:
            _blocks.remove(entry)


def _pattern(identifier: Any) -> str | None:
    if isinstance(identifier, str):
        if not identifier.strip() or any(ch.isspace() for ch in identifier):
            raise ValueError(
                f"caching identifier {identifier!r} is not a process type: give one such as "
                "'mymodule:add' (with * wildcards), a process function or a process class"
            )
        return identifier
    if identifier is None:
        return None
    process_class = getattr(identifier, "process_class", identifier)  # a process function
    process_type = getattr(process_class, "process_type", None)
    if not callable(process_type):
        raise TypeError(
            f"caching identifier {identifier!r} is neither a process type (a string), a "
            "process function nor a process class"
        )
    return str(process_type())


def caching_enabled(process_type: str, profile: Profile) -> bool:
    """Whether a calculation of ``process_type`` may be served from the cache."""
    with _lock:
        blocks = list(_blocks)
    for enabled, pattern in reversed(blocks):
        if pattern is None or _matches(process_type, [pattern]):
            return enabled
    if _matches(process_type, profile.option("caching.disabled_for", [])):
        return False
    if _matches(process_type, profile.option("caching.enabled_for", [])):
        return True
    return bool(profile.option("caching.default_enabled", False))


def _matches(process_type: str, patterns: Any) -> bool:
    """Whether a pattern matches the process type, with or without the folder that a
    module which is not installed is recorded with (``chains:Relax@/home/me/project``)."""
    if isinstance(patterns, str):  # a config file written by hand
        patterns = patterns.split(",")
    names = [process_type]
    module, at, folder = process_type.rpartition("@")
    if at and folder.startswith("/"):
        names.append(module)
    return any(
        fnmatch.fnmatchcase(name, str(pattern).strip())
        for pattern in patterns or ()
        for name in names
    )


def cached_outputs(
    backend: Backend, node: CalculationNode, inputs: Mapping[str, Node]
) -> dict[str, Node] | None:
    """Give ``node`` its hash; if caching is enabled for it and a source is found, the
    copies of the source's outputs it gets instead of running (None: it runs). From a
    process function's thread: the store is asked only when caching is enabled."""
    node._hash = node.hash_with_inputs(inputs)
    if not caching_enabled(node.process_type, backend.profile):
        return None
    return _loop.call(_copies_from_source(backend, node))


async def acached_outputs(backend: Backend, node: CalculationNode) -> dict[str, Node] | None:
    """:func:`cached_outputs` on the loop, for a calculation hashed when it was created."""
    if node._hash is None or not caching_enabled(node.process_type, backend.profile):
        return None
    return await _copies_from_source(backend, node)


async def _copies_from_source(backend: Backend, node: CalculationNode) -> dict[str, Node] | None:
    """Unstored copies of the outputs of ``node``'s source, by link label, with the source
    recorded on ``node``; None if there is no source, or its files are gone (then the
    calculation runs)."""
    rows = await backend.store.read(
        query("engine.find_cache_source"), hash=node._hash, node_type=node.node_type, uuid=node.uuid
    )
    if not rows:
        return None
    source = await aload_node(backend, rows[0]["uuid"])
    links = await alinks(backend, source, ("CREATE",), incoming=False)
    outputs = {label: output for _type, label, output in links if isinstance(output, Data)}
    keys = [key for output in outputs.values() for key in output._repository_keys()]
    if not all(backend.repository.has(key) for key in keys):
        return None
    node._cached_from = source.uuid
    return {label: output.clone() for label, output in outputs.items()}
