"""graphflow: a workflow engine for computational science with graph-native provenance.

The public API: process functions and work chains, launching, data types, loading and
querying the provenance graph. Names are imported on first use, so that ``import
graphflow`` (and the ``graphflow`` command) start fast; everything in ``__all__`` is
stable, and modules or names starting with an underscore are not.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graphflow.engine import (
        AttributeDict,
        BaseRestartWorkChain,
        CalcInfo,
        CalcJob,
        CalculationFactory,
        CodeInfo,
        ExitCode,
        Parser,
        ProcessHandlerReport,
        ProcessSpec,
        ToContext,
        WorkChain,
        WorkflowFactory,
        append_,
        calcfunction,
        if_,
        process_handler,
        report,
        return_,
        run,
        run_get_node,
        while_,
        workfunction,
    )
    from graphflow.engine._caching import disable_caching, enable_caching
    from graphflow.engine._submit import submit, submit_many
    from graphflow.errors import GraphflowError
    from graphflow.orm import (
        ArrayData,
        Bool,
        Code,
        Computer,
        Data,
        Dict,
        Float,
        FolderData,
        Group,
        Int,
        List,
        Node,
        RemoteData,
        SinglefileData,
        Str,
        load_code,
        load_computer,
        load_group,
        load_node,
        load_profile,
    )
    from graphflow.orm._cypher import cypher

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "GraphflowError": "graphflow.errors",
    "ArrayData": "graphflow.orm",
    "Bool": "graphflow.orm",
    "Code": "graphflow.orm",
    "Computer": "graphflow.orm",
    "Data": "graphflow.orm",
    "Dict": "graphflow.orm",
    "Float": "graphflow.orm",
    "FolderData": "graphflow.orm",
    "Group": "graphflow.orm",
    "Int": "graphflow.orm",
    "List": "graphflow.orm",
    "Node": "graphflow.orm",
    "RemoteData": "graphflow.orm",
    "SinglefileData": "graphflow.orm",
    "Str": "graphflow.orm",
    "load_code": "graphflow.orm",
    "load_computer": "graphflow.orm",
    "load_group": "graphflow.orm",
    "load_node": "graphflow.orm",
    "load_profile": "graphflow.orm",
    "cypher": "graphflow.orm._cypher",
    "AttributeDict": "graphflow.engine",
    "BaseRestartWorkChain": "graphflow.engine",
    "CalcInfo": "graphflow.engine",
    "CalcJob": "graphflow.engine",
    "CalculationFactory": "graphflow.engine",
    "CodeInfo": "graphflow.engine",
    "ExitCode": "graphflow.engine",
    "Parser": "graphflow.engine",
    "ProcessHandlerReport": "graphflow.engine",
    "WorkflowFactory": "graphflow.engine",
    "ProcessSpec": "graphflow.engine",
    "ToContext": "graphflow.engine",
    "WorkChain": "graphflow.engine",
    "append_": "graphflow.engine",
    "process_handler": "graphflow.engine",
    "calcfunction": "graphflow.engine",
    "if_": "graphflow.engine",
    "report": "graphflow.engine",
    "return_": "graphflow.engine",
    "run": "graphflow.engine",
    "run_get_node": "graphflow.engine",
    "while_": "graphflow.engine",
    "workfunction": "graphflow.engine",
    "submit": "graphflow.engine._submit",
    "submit_many": "graphflow.engine._submit",
    "enable_caching": "graphflow.engine._caching",
    "disable_caching": "graphflow.engine._caching",
}

__all__ = [
    "ArrayData",
    "AttributeDict",
    "BaseRestartWorkChain",
    "Bool",
    "CalcInfo",
    "CalcJob",
    "CalculationFactory",
    "Code",
    "CodeInfo",
    "Computer",
    "Data",
    "Dict",
    "ExitCode",
    "Float",
    "FolderData",
    "GraphflowError",
    "Group",
    "Int",
    "List",
    "Node",
    "Parser",
    "ProcessHandlerReport",
    "ProcessSpec",
    "RemoteData",
    "SinglefileData",
    "Str",
    "ToContext",
    "WorkChain",
    "WorkflowFactory",
    "append_",
    "calcfunction",
    "cypher",
    "disable_caching",
    "enable_caching",
    "if_",
    "load_code",
    "load_computer",
    "load_group",
    "load_node",
    "load_profile",
    "process_handler",
    "report",
    "return_",
    "run",
    "run_get_node",
    "submit",
    "submit_many",
    "while_",
    "workfunction",
]


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'graphflow' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext graphflow``: the ``%cypher`` / ``%%cypher`` magics."""
    from graphflow.lineage._jupyter import load_ipython_extension as load

    load(ipython)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
