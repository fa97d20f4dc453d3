"""The provenance link rules, in one place (DESIGN decision 1).

- INPUT: data → process. Any process takes data as input.
- CREATE: calculation → data. Only calculations create data, and only new data: a node
  that is already stored has been created (or imported) before and cannot be created again.
- RETURN: workflow → data. Only workflows return data, and only data that already exists.
- CALL: workflow → process. Only workflows call; a calculation never calls.

A refused link names the rule and both nodes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from graphflow.errors import LinkRuleError
from graphflow.orm._data import Data
from graphflow.orm._process import CalculationNode, ProcessNode, WorkflowNode
from graphflow.types import LinkType

if TYPE_CHECKING:
    from graphflow.orm._nodes import Node

__all__ = ["check_link", "check_link_label"]

_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_link_label(label: str, source: Node, target: Node) -> None:
    """Link labels are identifiers; namespaces are joined with ``__``."""
    if not isinstance(label, str) or not _LABEL.match(label) or label.endswith("_" * 2):
        raise LinkRuleError(
            f"link label {label!r} from {source._ident()} to {target._ident()} is not valid: "
            "use letters, digits and underscores, starting with a letter or underscore"
        )


def check_link(link_type: LinkType, source: Node, target: Node, label: str) -> None:
    """Raise :class:`LinkRuleError` if the link would break a provenance rule."""
    check_link_label(label, source, target)
    rule: str | None = None
    if link_type is LinkType.INPUT:
        if not isinstance(source, Data) or not isinstance(target, ProcessNode):
            rule = "an INPUT link goes from a data node to a process node"
    elif link_type is LinkType.CREATE:
        if not isinstance(source, CalculationNode):
            rule = "only calculations create data (a workflow returns data instead)"
        elif not isinstance(target, Data):
            rule = "a CREATE link goes to a data node"
        elif target.is_stored:
            rule = (
                "a calculation can only create new data; a stored node already has its "
                "origin (return it from a workflow, or create a new node)"
            )
    elif link_type is LinkType.RETURN:
        if not isinstance(source, WorkflowNode):
            rule = "only workflows return data (a calculation creates it)"
        elif not isinstance(target, Data):
            rule = "a RETURN link goes to a data node"
        elif not target.is_stored:
            rule = (
                "a workflow can only return data that already exists; a new node must be "
                "created by a calculation (a calcfunction) and then returned"
            )
    elif link_type is LinkType.CALL:
        if not isinstance(source, WorkflowNode):
            rule = "only workflows call other processes; a calculation never calls"
        elif not isinstance(target, ProcessNode):
            rule = "a CALL link goes to a process node"
    if rule is not None:
        raise LinkRuleError(
            f"cannot link {source._ident()} -[{link_type.value} {label!r}]-> "
            f"{target._ident()}: {rule}"
        )
