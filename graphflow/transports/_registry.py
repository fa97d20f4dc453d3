"""Finding a transport type by its entry-point name: the built-ins, then installed plugins.

Built-ins are looked up first, so a third-party package cannot shadow ``core.*``;
anything else comes from the ``graphflow.transports`` entry-point group, where an entry
names a class with a ``from_config`` class method (``TransportClass``).
"""

from __future__ import annotations

import importlib.metadata
from typing import TYPE_CHECKING, Final

from graphflow.errors import PluginError
from graphflow.transports._local import LocalTransport
from graphflow.transports._ssh import SshTransport

if TYPE_CHECKING:
    from collections.abc import Mapping

    from graphflow.transports._protocol import TransportClass

__all__ = ["ENTRY_POINT_GROUP", "get_transport_class"]

ENTRY_POINT_GROUP: Final = "graphflow.transports"

_BUILTINS: Final[Mapping[str, TransportClass]] = {
    "core.local": LocalTransport,
    "core.ssh": SshTransport,
}


def get_transport_class(name: str) -> TransportClass:
    """The transport type registered as ``name``.

    Build a transport with ``get_transport_class(name).from_config(settings)``; the
    transport queue's factory is usually exactly that.

    Raises:
        PluginError: no transport has that name (the message lists the known ones),
            more than one installed plugin claims it, or it fails to load or has no
            ``from_config``.
    """
    builtin = _BUILTINS.get(name)
    if builtin is not None:
        return builtin
    entry_points = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    matches = [entry_point for entry_point in entry_points if entry_point.name == name]
    if not matches:
        known = sorted({*_BUILTINS, *(entry_point.name for entry_point in entry_points)})
        raise PluginError(
            f"no transport named {name!r} in group {ENTRY_POINT_GROUP!r}; "
            f"known transports: {', '.join(known)}"
        )
    values = sorted({entry_point.value for entry_point in matches})
    if len(values) > 1:
        raise PluginError(
            f"transport {name!r} is registered more than once in group "
            f"{ENTRY_POINT_GROUP!r}: {', '.join(values)}"
        )
    entry_point = matches[0]
    try:
        # A plugin's import may fail in any way; all of them mean "cannot be loaded".
        loaded = entry_point.load()
    except Exception as exc:
        raise PluginError(
            f"transport {name!r} ({entry_point.value}) failed to load: {exc!r}"
        ) from exc
    if not callable(getattr(loaded, "from_config", None)):
        raise PluginError(
            f"transport {name!r} ({entry_point.value}) is {loaded!r}, which has no "
            "from_config(config) to build a transport from settings"
        )
    plugin: TransportClass = loaded
    return plugin
