"""Plugins by entry point, so every interpreter finds the same classes by the same names.

Groups: ``graphflow.data``, ``graphflow.calculations``, ``graphflow.parsers``,
``graphflow.workflows``, ``graphflow.schedulers``, ``graphflow.transports``. Built-ins are
registered in graphflow's own ``pyproject.toml`` under ``core.`` names. Missing,
ambiguous and unloadable entry points are distinct errors naming the group and the name.
"""

from __future__ import annotations

import importlib.metadata
from functools import cache
from typing import Any

from graphflow.errors import PluginError

__all__ = ["entry_point_name", "entry_point_names", "load_entry_point"]

GROUPS = (
    "graphflow.data",
    "graphflow.calculations",
    "graphflow.parsers",
    "graphflow.workflows",
    "graphflow.schedulers",
    "graphflow.transports",
)


@cache
def _group(group: str) -> dict[str, list[importlib.metadata.EntryPoint]]:
    found: dict[str, list[importlib.metadata.EntryPoint]] = {}
    for ep in importlib.metadata.entry_points(group=group):
        found.setdefault(ep.name, []).append(ep)
    return found


def entry_point_names(group: str) -> list[str]:
    """Every name registered in ``group``, sorted."""
    return sorted(_group(group))


def load_entry_point(group: str, name: str) -> Any:
    """The object registered as ``name`` in ``group``."""
    candidates = _group(group).get(name, [])
    if not candidates:
        known = ", ".join(entry_point_names(group)) or "none"
        raise PluginError(f"no entry point {name!r} in group {group!r} (known: {known})")
    values = {ep.value for ep in candidates}
    if len(values) > 1:
        raise PluginError(
            f"entry point {name!r} in group {group!r} is ambiguous: {', '.join(sorted(values))}"
        )
    try:
        return candidates[0].load()
    except Exception as exc:
        raise PluginError(
            f"entry point {name!r} in group {group!r} ({candidates[0].value}) failed to load: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def entry_point_name(group: str, obj: Any) -> str | None:
    """The name under which ``obj`` is registered in ``group``, if it is."""
    target = f"{obj.__module__}:{obj.__qualname__}"
    for name, eps in _group(group).items():
        if any(ep.value == target for ep in eps):
            return name
    return None
