"""Typed provenance nodes and links, and how they are stored and loaded.

The public names here are re-exported from :mod:`graphflow`.
"""

from graphflow.orm._backend import (
    Backend,
    bookmarks_of,
    close_backends,
    current_profile,
    embedded_server,
    get_backend,
    load_profile,
)
from graphflow.orm._batched import ProcessReader
from graphflow.orm._computers import (
    Code,
    Computer,
    aload_code,
    aload_computer,
    list_codes,
    list_computers,
    load_code,
    load_computer,
)
from graphflow.orm._data import BaseType, Bool, Data, Dict, Float, Int, List, Str, to_node
from graphflow.orm._files import ArrayData, FolderData, RemoteData, SinglefileData
from graphflow.orm._groups import (
    Group,
    aload_group,
    copy_group,
    delete_group,
    list_groups,
    load_group,
)
from graphflow.orm._links import check_link
from graphflow.orm._load import alinks, aload_node, aload_nodes, load_node, node_from_record
from graphflow.orm._nodes import Node
from graphflow.orm._process import (
    CalcFunctionNode,
    CalcJobNode,
    CalculationNode,
    LinkManager,
    ProcessNode,
    WorkChainNode,
    WorkflowNode,
    WorkFunctionNode,
)
from graphflow.orm._session import (
    PendingWrite,
    WriteScope,
    astore_nodes,
    current_scope,
    store_nodes,
    write_scope,
)

# nodes draw their notebook cards with it (it reads links, so it cannot live in _nodes)
from graphflow.orm import _html  # noqa: F401  isort: skip

__all__ = [
    "ArrayData",
    "Backend",
    "BaseType",
    "Bool",
    "CalcFunctionNode",
    "CalcJobNode",
    "CalculationNode",
    "Code",
    "Computer",
    "Data",
    "Dict",
    "Float",
    "FolderData",
    "Group",
    "Int",
    "LinkManager",
    "List",
    "Node",
    "PendingWrite",
    "ProcessNode",
    "ProcessReader",
    "RemoteData",
    "SinglefileData",
    "Str",
    "WorkChainNode",
    "WorkFunctionNode",
    "WorkflowNode",
    "WriteScope",
    "alinks",
    "aload_code",
    "aload_computer",
    "aload_group",
    "aload_node",
    "aload_nodes",
    "astore_nodes",
    "bookmarks_of",
    "check_link",
    "close_backends",
    "copy_group",
    "current_profile",
    "current_scope",
    "delete_group",
    "embedded_server",
    "get_backend",
    "list_codes",
    "list_computers",
    "list_groups",
    "load_code",
    "load_computer",
    "load_group",
    "load_node",
    "load_profile",
    "node_from_record",
    "store_nodes",
    "to_node",
    "write_scope",
]
