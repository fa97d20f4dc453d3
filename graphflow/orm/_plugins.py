"""Data node classes from the ``graphflow.data`` entry-point group."""

from __future__ import annotations

from graphflow.errors import PluginError
from graphflow.orm._nodes import Node
from graphflow.plugins import load_entry_point

__all__ = ["load_data_plugin"]


def load_data_plugin(node_type: str) -> type[Node]:
    """The node class stored as ``node_type``; refuses an entry point that is not a Node."""
    cls = load_entry_point("graphflow.data", node_type)
    if not (isinstance(cls, type) and issubclass(cls, Node)):
        raise PluginError(f"entry point {node_type!r} in graphflow.data is not a Node class")
    return cls
