"""How provenance is drawn: shape, colour and text per node kind and link type.

The conventions follow ``verdi node graph generate`` so AiiDA users read our drawings at
a glance: data are green ellipses, calculations red rectangles, workflows orange
rectangles with rounded corners; a process that failed gets a thick red border, one that
was excepted or killed a dashed red one, one still running a dashed grey one; the nodes the
drawing was asked about get a double border. Links are labelled ``TYPE label``: INPUT and
CREATE solid, RETURN dashed, CALL dotted. Both the graphviz and the HTML renderers use
this module, so the two views agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphflow.orm import CalculationNode, ProcessNode, WorkflowNode
from graphflow.types import ProcessState

if TYPE_CHECKING:
    from graphflow.orm import Node

__all__ = [
    "CALCULATION_FILL",
    "DATA_FILL",
    "LINK_STYLES",
    "WORKFLOW_FILL",
    "LinkStyle",
    "NodeStyle",
    "link_caption",
    "node_caption",
    "node_details",
    "node_style",
    "short_value",
]

DATA_FILL = "#8cd499"
CALCULATION_FILL = "#de707f"
WORKFLOW_FILL = "#e38851"
OTHER_FILL = "#aaaaaa"
FAILED_BORDER = "#c0001a"
ACTIVE_BORDER = "#666666"
#: characters of a value shown in a caption before it is cut with an ellipsis
VALUE_WIDTH = 24


@dataclass(frozen=True, slots=True)
class NodeStyle:
    """Shape and colours of one node; ``dashed`` and ``rounded`` are border styles."""

    shape: str  # graphviz shape: ellipse or box
    fill: str
    border: str | None = None
    border_width: float = 0.0
    dashed: bool = False
    rounded: bool = False
    double: bool = False


@dataclass(frozen=True, slots=True)
class LinkStyle:
    style: str  # solid, dashed or dotted
    colour: str
    width: float


#: every link kind told apart by colour and line, not only by its caption
LINK_STYLES: dict[str, LinkStyle] = {
    "INPUT": LinkStyle("solid", "#2f5d9e", 1.0),
    "CREATE": LinkStyle("solid", "#1d7a46", 2.0),
    "RETURN": LinkStyle("dashed", "#b35a12", 1.5),
    "CALL": LinkStyle("dotted", "#555555", 1.5),
}


def link_caption(link_type: str, label: str) -> str:
    """``TYPE label`` on two lines (the type alone when the label just repeats it)."""
    return link_type if label in ("", link_type) else f"{link_type}\n{label}"


def node_style(node: Node, *, root: bool = False) -> NodeStyle:
    """The style of ``node`` by kind and, for processes, by state."""
    if isinstance(node, ProcessNode):
        fill = OTHER_FILL
        if isinstance(node, CalculationNode):
            fill = CALCULATION_FILL
        elif isinstance(node, WorkflowNode):
            fill = WORKFLOW_FILL
        rounded = isinstance(node, WorkflowNode)
        state = node.process_state
        if state in (ProcessState.EXCEPTED, ProcessState.KILLED):
            border: tuple[str | None, float, bool] = (FAILED_BORDER, 3.0, True)
        elif node.is_failed:
            border = (FAILED_BORDER, 3.0, False)
        elif not node.is_terminated:
            border = (ACTIVE_BORDER, 2.0, True)
        else:
            border = (None, 0.0, False)
        return NodeStyle("box", fill, border[0], border[1], border[2], rounded, root)
    return NodeStyle(
        "ellipse", DATA_FILL if node.node_type.startswith("core.") else OTHER_FILL, double=root
    )


def short_value(value: Any, width: int = VALUE_WIDTH) -> str:
    """A value as short text: JSON-ish, cut to ``width`` characters with an ellipsis."""
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def node_caption(node: Node) -> list[str]:
    """The lines drawn inside a node: what it is, its pk, and its value or state."""
    if isinstance(node, ProcessNode):
        state = node.process_state.value
        if node.exit_status is not None and node.is_terminated:
            state += f" [{node.exit_status}]"
        return [
            f"{node.process_label or node.type_label} ({node.pk})",
            f"{node.type_label}: {state}",
        ]
    lines = [f"{node.type_label} ({node.pk})"]
    value = getattr(node, "value", None)
    full_label = getattr(node, "full_label", None)  # a code: bash@cluster
    if value is not None and not callable(value):
        lines.append(short_value(value))
    elif isinstance(full_label, str):
        return [*lines, full_label]
    elif node.attributes:
        keys = sorted(node.attributes)
        lines.append(short_value(", ".join(keys)))
    if node.label:
        lines.append(short_value(node.label))
    return lines


def node_details(node: Node) -> dict[str, str]:
    """Everything worth a look when hovering over a node, as short strings."""
    details = {"type": node.type_label, "pk": str(node.pk), "uuid": node.uuid}
    if node.label:
        details["label"] = node.label
    if node.ctime is not None:
        details["ctime"] = node.ctime.isoformat(timespec="seconds")
    if isinstance(node, ProcessNode):
        details["process"] = node.process_label
        details["state"] = node.process_state.value
        if node.exit_status is not None:
            details["exit status"] = str(node.exit_status)
        if node.exit_message:
            details["exit message"] = node.exit_message
    else:
        value = getattr(node, "value", None)
        if value is not None and not callable(value):
            details["value"] = short_value(value, 200)
        for key, item in sorted(node.attributes.items()):
            if key != "value":
                details[f"attributes.{key}"] = short_value(item, 200)
    return details
