"""Launching processes: ``run``, ``run_get_node`` and ``submit``.

``run`` blocks the calling thread until the process is done; it works from a script,
from inside a process function or a work chain step, and from a Jupyter cell (the engine
runs on its own loop, never the caller's). ``submit`` hands the process to the daemon
(it needs a broker) and returns its stored node at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphflow.engine._functions import ProcessFunction
from graphflow.engine._process import Process
from graphflow.errors import ProcessArgumentError, ProcessLaunchError

if TYPE_CHECKING:
    from graphflow.orm import ProcessNode

__all__ = ["launch_inputs", "run", "run_get_node"]


def launch_inputs(
    verb: str, process: Any, inputs: Mapping[str, Any] | None, kwargs: Mapping[str, Any]
) -> dict[str, Any]:
    """The inputs of ``run``/``submit`` (``verb``): a dict or keywords, not both (AiiDA
    refuses both with a ValueError too, rather than guess which wins)."""
    if inputs is not None and kwargs:
        name = getattr(process, "__name__", repr(process))
        raise ProcessLaunchError(
            f"{verb}({name}, ...): give the inputs as a dict or as keywords, not both "
            f"(keywords {sorted(kwargs)} with a dict of {sorted(inputs)})"
        )
    return dict(inputs if inputs is not None else kwargs)


def run_get_node(
    process: Any, inputs: dict[str, Any] | None = None, **kwargs: Any
) -> tuple[Any, ProcessNode]:
    """Run ``process`` (a process function or Process class) and return ``(result, node)``.

    The result is the single output node of a process function that returns one node,
    otherwise the outputs by link label (namespaces as nested dicts).
    """
    if inputs is not None and not isinstance(inputs, Mapping):
        name = getattr(process, "__name__", repr(process))
        hint = (
            f"; to pass arguments by position call {name}(...) or {name}.run_get_node(...)"
            if isinstance(process, ProcessFunction)
            else ""
        )
        raise ProcessArgumentError(
            f"run({name}, ...): inputs are given as a dict or as keywords, not as a "
            f"{type(inputs).__name__}{hint}"
        )
    merged = launch_inputs("run", process, inputs, kwargs)
    if isinstance(process, ProcessFunction):
        return process.run_get_node(**merged)
    if isinstance(process, type) and issubclass(process, Process):
        from graphflow.engine._runner import run_process

        try:
            return run_process(process, merged)
        except KeyboardInterrupt as exc:
            if getattr(exc, "reported", False):  # graphflow's frames would only be noise
                raise exc.with_traceback(None) from None
            raise
    raise ProcessLaunchError(
        f"{process!r} cannot be run: give a calcfunction, a workfunction or a Process class "
        "(WorkChain, CalcJob)"
    )


def run(process: Any, inputs: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """Run ``process`` with ``inputs`` and return its result (see :func:`run_get_node`)."""
    return run_get_node(process, inputs, **kwargs)[0]
