"""Graphviz drawings of provenance graphs: DOT text, and SVG/PNG/PDF from Graphviz's ``dot``.

The DOT text is written here (quoting is all it needs) and ``dot`` is run as a program,
so drawing imports nothing heavy: ``graphflow node graph`` starts as fast as the store
connection allows. Styles come from :mod:`graphflow.lineage._style`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from graphflow.errors import GraphTooLargeError, GraphvizNotFoundError, RenderError, ValidationError
from graphflow.lineage._args import check_limit
from graphflow.lineage._graph import register_view
from graphflow.lineage._style import (
    LINK_STYLES,
    link_caption,
    node_caption,
    node_details,
    node_style,
)

if TYPE_CHECKING:
    import os

    from graphflow.lineage._graph import ProvenanceGraph
    from graphflow.orm import Node

__all__ = ["DEFAULT_MAX_NODES", "FORMATS", "node_id", "render_graph", "run_dot", "to_dot"]

FORMATS: Final = ("svg", "png", "pdf", "dot")
#: more nodes than this and a drawing is refused (dot needs minutes, nobody can read it)
DEFAULT_MAX_NODES: Final = 1000
#: how long dot may take before the drawing is given up
DOT_TIMEOUT: Final = 300.0
INSTALL_HINT: Final = (
    "install Graphviz: `apt-get install graphviz` (Debian, Ubuntu), `dnf install graphviz` "
    "(Fedora), `brew install graphviz` (macOS) or `conda install -c conda-forge graphviz`; "
    "--format dot (format='dot') writes the DOT text without it"
)


def quote(text: str) -> str:
    """``text`` as a DOT double-quoted string, shown literally (no escape sequences)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def node_id(node: Node) -> str:
    """The node's name in DOT text and SVG titles: ``N`` and its pk."""
    return f"N{node.pk}"


def _attributes(values: dict[str, Any]) -> str:
    return ", ".join(f"{key}={quote(str(value))}" for key, value in values.items())


def _node_line(node: Node, root: bool) -> str:
    style = node_style(node, root=root)
    styles = ["filled"]
    if style.rounded:
        styles.append("rounded")
    if style.dashed:
        styles.append("dashed")
    attrs: dict[str, Any] = {
        "label": "\n".join(node_caption(node)),
        "shape": style.shape,
        "style": ",".join(styles),
        "fillcolor": style.fill,
        "penwidth": style.border_width,
        "tooltip": "\n".join(f"{k}: {v}" for k, v in node_details(node).items()),
        "id": f"pk{node.pk}",
    }
    if style.border is not None:
        attrs["color"] = style.border
    if style.double:
        attrs["peripheries"] = 2
        attrs["penwidth"] = max(style.border_width, 1.0)
    return f"  {node_id(node)} [{_attributes(attrs)}];"


def to_dot(graph: ProvenanceGraph) -> str:
    """The graph as DOT text: nodes in pk order, links by type and label."""
    lines = [
        "digraph provenance {",
        '  graph [rankdir="TB", fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize="10"];',
        '  edge [fontname="Helvetica", fontsize="9"];',
    ]
    roots = set(graph.roots)
    lines.extend(_node_line(node, node.uuid in roots) for node in graph.sorted_nodes())
    ordered = sorted(
        graph.links,
        key=lambda k: (graph.nodes[k.source].pk or 0, graph.nodes[k.target].pk or 0, k.label),
    )
    for link in ordered:
        style = LINK_STYLES.get(link.type)
        attrs: dict[str, Any] = {"label": link_caption(link.type, link.label)}
        if style is not None:
            attrs.update(style=style.style, color=style.colour, penwidth=style.width)
        source, target = graph.nodes[link.source], graph.nodes[link.target]
        lines.append(f"  {node_id(source)} -> {node_id(target)} [{_attributes(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def run_dot(source: str, format: str) -> bytes:
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFoundError(
            f"cannot draw {format}: Graphviz's `dot` program is not on PATH; {INSTALL_HINT}"
        )
    try:
        done = subprocess.run(
            [dot, f"-T{format}"],
            input=source.encode(),
            capture_output=True,
            timeout=DOT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError as exc:
        raise GraphvizNotFoundError(f"cannot run {dot}: {exc}; {INSTALL_HINT}") from exc
    except subprocess.TimeoutExpired as exc:
        raise RenderError(
            f"dot did not finish drawing in {DOT_TIMEOUT:.0f} s: draw fewer nodes (depths, "
            "--links logic)"
        ) from exc
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise RenderError(f"dot -T{format} failed (exit {done.returncode}): {message}")
    return done.stdout


def check_format(format: Any) -> str:
    if format not in FORMATS:
        raise ValidationError(f"format must be one of {', '.join(FORMATS)}; got {format!r}")
    return str(format)


def render_graph(
    graph: ProvenanceGraph,
    format: str = "svg",
    output: str | os.PathLike[str] | None = None,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> bytes:
    """Draw ``graph`` as ``format`` (svg, png, pdf or dot); write it to ``output`` if given.

    Returns the drawing's bytes. A graph with more than ``max_nodes`` nodes is refused
    with :class:`GraphTooLargeError`; a missing ``dot`` program raises
    :class:`GraphvizNotFoundError` saying how to install it.
    """
    fmt = check_format(format)
    limit = check_limit(max_nodes)
    if len(graph) > limit:
        raise GraphTooLargeError(
            f"the graph has {len(graph)} nodes and {len(graph.links)} links, more than "
            f"max_nodes={limit} allows drawing: draw a smaller part (depths, fewer link "
            "types) or raise max_nodes",
            nodes=len(graph),
            limit=limit,
        )
    source = to_dot(graph)
    data = source.encode() if fmt == "dot" else run_dot(source, fmt)
    if output is not None:
        Path(output).write_bytes(data)
    return data


register_view("render", render_graph)
