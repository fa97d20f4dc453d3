"""Process classes by entry-point name, as AiiDA users know them: ``CalculationFactory``."""

from __future__ import annotations

from typing import Any

from graphflow.errors import PluginError
from graphflow.plugins import load_entry_point

__all__ = ["CalculationFactory", "WorkflowFactory"]


def _process_class(group: str, name: str, kind: str) -> Any:
    from graphflow.engine._process import Process

    found = load_entry_point(group, name)
    process_class = getattr(found, "process_class", found)
    if not (isinstance(process_class, type) and issubclass(process_class, Process)):
        raise PluginError(f"{group} entry point {name!r} is {found!r}, not a {kind}")
    return found


def CalculationFactory(name: str) -> Any:  # noqa: N802 - the name AiiDA users know
    """The calculation (a CalcJob class or calcfunction) registered as ``name``."""
    return _process_class("graphflow.calculations", name, "calculation")


def WorkflowFactory(name: str) -> Any:  # noqa: N802 - the name AiiDA users know
    """The workflow (a WorkChain class or workfunction) registered as ``name``."""
    return _process_class("graphflow.workflows", name, "workflow")
