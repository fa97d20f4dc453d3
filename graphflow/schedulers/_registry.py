"""Finding a scheduler by its entry-point name: the built-ins, then installed plugins.

Built-ins are looked up first, so a third-party package cannot shadow ``core.*``;
anything else comes from the ``graphflow.schedulers`` entry-point group, where an entry
may name a ``Scheduler`` class (instantiated without arguments) or instance.
"""

from __future__ import annotations

import importlib.metadata
from typing import TYPE_CHECKING, Final

from graphflow.errors import PluginError
from graphflow.schedulers._direct import DirectScheduler
from graphflow.schedulers._pbspro import PbsProScheduler
from graphflow.schedulers._protocol import Scheduler
from graphflow.schedulers._sge import SgeScheduler
from graphflow.schedulers._slurm import SlurmScheduler
from graphflow.schedulers._torque import TorqueScheduler

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["ENTRY_POINT_GROUP", "get_scheduler"]

ENTRY_POINT_GROUP: Final = "graphflow.schedulers"

_BUILTINS: Final[Mapping[str, Callable[[], Scheduler]]] = {
    "core.direct": DirectScheduler,
    "core.slurm": SlurmScheduler,
    "core.sge": SgeScheduler,
    "core.pbspro": PbsProScheduler,
    "core.torque": TorqueScheduler,
}


def get_scheduler(name: str) -> Scheduler:
    """The scheduler registered as ``name``, built with its default options.

    Schedulers hold no state, so each call may return a fresh instance. Site options
    (SGE's parallel environment, SLURM's accounting database) are constructor arguments
    of the classes themselves.

    Raises:
        PluginError: no scheduler has that name (the message lists the known ones),
            more than one installed plugin claims it, or the plugin fails to load or is
            not a ``Scheduler``.
    """
    factory = _BUILTINS.get(name)
    if factory is not None:
        return factory()
    entry_points = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    matches = [entry_point for entry_point in entry_points if entry_point.name == name]
    if not matches:
        known = sorted({*_BUILTINS, *(entry_point.name for entry_point in entry_points)})
        raise PluginError(
            f"no scheduler named {name!r} in group {ENTRY_POINT_GROUP!r}; "
            f"known schedulers: {', '.join(known)}"
        )
    if len(matches) > 1:
        values = ", ".join(sorted(entry_point.value for entry_point in matches))
        raise PluginError(
            f"scheduler {name!r} is registered more than once in group "
            f"{ENTRY_POINT_GROUP!r}: {values}"
        )
    (entry_point,) = matches
    try:
        # A plugin's import may fail in any way; all of them mean "cannot be loaded".
        loaded = entry_point.load()
        scheduler = loaded() if isinstance(loaded, type) else loaded
    except Exception as exc:
        raise PluginError(
            f"scheduler {name!r} ({entry_point.value}) failed to load: {exc!r}"
        ) from exc
    if not isinstance(scheduler, Scheduler):
        raise PluginError(
            f"scheduler {name!r} ({entry_point.value}) is {scheduler!r}, which does not "
            "implement the Scheduler protocol"
        )
    return scheduler
