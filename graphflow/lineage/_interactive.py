"""Interactive HTML views of provenance graphs (zoom, pan, drag, hover for details).

Drawn with pyvis (BSD), which writes a self-contained page around vis-network: the
script is inlined, so the view works offline, in JupyterLab, classic Notebook, VS Code and
in exported HTML, with no widget extension. In a notebook the page is shown in an
``<iframe srcdoc>`` so its styles stay out of the notebook's. Colours and shapes are the
Graphviz drawing's (:mod:`graphflow.lineage._style`); a layered layout from top to
bottom keeps the provenance readable as a flow: Graphviz's ``dot`` places the nodes and
the links' captions (as in the static drawing), so captions never overlap.
"""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from graphflow import _loop
from graphflow.errors import GraphTooLargeError
from graphflow.lineage._args import check_limit
from graphflow.lineage._dot import run_dot, to_dot
from graphflow.lineage._extras import jupyter_module
from graphflow.lineage._graph import register_view
from graphflow.lineage._read import agraph_of
from graphflow.lineage._style import (
    CALCULATION_FILL,
    DATA_FILL,
    LINK_STYLES,
    WORKFLOW_FILL,
    link_caption,
    node_caption,
    node_details,
    node_style,
)

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence

    from graphflow.lineage._graph import ProvenanceGraph
    from graphflow.orm import Node

__all__ = ["DEFAULT_MAX_NODES", "InteractiveGraph", "ainteractive", "interactive"]

#: more nodes than this and the browser's layout becomes slow and unreadable
DEFAULT_MAX_NODES: Final = 500
#: vis-network's dash patterns for the drawing's line styles (dashes and dots differ)
_DASHES: Final[dict[str, Any]] = {"solid": False, "dashed": [8, 5], "dotted": [2, 4]}
#: dot measures in points; the page in CSS pixels (96 an inch against 72)
_PX_PER_POINT: Final = 96 / 72
#: the page's height follows the drawing's, within these bounds (pixels): a small graph
#: gets no empty band, a large one is drawn at a readable size and scrolls or zooms
MIN_HEIGHT: Final = 320
MAX_HEIGHT: Final = 1600
#: a drawing wider than this (pixels) gets a page as wide as itself, not one that shrinks it
WIDE: Final = 1200
#: room around the drawing (and for the legend and the navigation buttons)
_MARGIN: Final = 110
_OPTIONS: Final = {
    # positions come from Graphviz (_dot_layout): nothing moves them
    "layout": {"hierarchical": {"enabled": False}},
    "physics": {"enabled": False},
    "interaction": {"hover": True, "navigationButtons": True, "tooltipDelay": 100},
    "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.6}}, "smooth": False},
    "nodes": {"font": {"face": "Helvetica", "size": 13}},
}
# multi-line tooltips: vis-network's default keeps them on one line
_REMOTE: Final = re.compile(
    r"<link\s[^>]*href=\"https://[^\"]*\"[^>]*>"
    r"|<script\s[^>]*src=\"https://[^\"]*\"[^>]*>\s*</script>",
    re.DOTALL,
)
_TOOLTIP_CSS: Final = "<style>div.vis-tooltip { white-space: pre; font-family: monospace; }</style>"
_LEGEND_CSS: Final = (
    "<style>.graphflow-legend { position: absolute; top: 8px; left: 8px; z-index: 10; "
    "background: rgba(255,255,255,0.9); border: 1px solid #ccc; padding: 6px 10px; "
    "font: 12px Helvetica, sans-serif; line-height: 18px; }"
    ".graphflow-legend .swatch { display: inline-block; width: 14px; height: 10px; "
    "margin-right: 6px; border: 1px solid #444; vertical-align: middle; }"
    ".graphflow-legend .line { display: inline-block; width: 26px; height: 0; "
    "margin-right: 6px; vertical-align: middle; }</style>"
)


class InteractiveGraph:
    """An interactive drawing of a provenance graph; shows itself in notebooks.

    ``html`` is a complete page; :meth:`save` writes it to a file to open in a browser.
    Unless ``height`` is given, the page is as tall as Graphviz's drawing (between
    :data:`MIN_HEIGHT` and :data:`MAX_HEIGHT` pixels), so text is drawn at its size
    instead of shrunk to fit a fixed frame.
    """

    def __init__(
        self,
        graph: ProvenanceGraph,
        *,
        height: int | None = None,
        max_nodes: int = DEFAULT_MAX_NODES,
    ) -> None:
        limit = check_limit(max_nodes)
        if len(graph) > limit:
            raise GraphTooLargeError(
                f"the graph has {len(graph)} nodes, more than max_nodes={limit} allows in an "
                "interactive view: show a smaller part (depths, fewer link types), raise "
                "max_nodes, or render() it with Graphviz",
                nodes=len(graph),
                limit=limit,
            )
        if height is not None and height <= 0:
            raise ValueError(f"height must be a positive number of pixels, not {height}")
        self.graph = graph
        self._height = height
        self._html: str | None = None

    @property
    def html(self) -> str:
        """The whole page (made once)."""
        if self._html is None:
            self._html, self._height = _page(self.graph, self._height)
        return self._html

    @property
    def height(self) -> int:
        """The drawing area's height in pixels (the drawing's own, unless one was given)."""
        if self._height is None:
            self._html, self._height = _page(self.graph, None)
        return self._height

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` and return it."""
        target = Path(path)
        target.write_text(self.html, encoding="utf-8")
        return target

    def _repr_html_(self) -> str:
        page = html.escape(self.html, quote=True)
        return (
            f'<iframe srcdoc="{page}" style="width: 100%; height: {self.height + 30}px; '
            'border: none;" sandbox="allow-scripts"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<InteractiveGraph: {len(self.graph)} nodes, {len(self.graph.links)} links>"


def _page(graph: ProvenanceGraph, height: int | None) -> tuple[str, int]:
    """The page, and the height its drawing area was given."""
    network = jupyter_module("pyvis.network", "an interactive graph")
    layout = _dot_layout(graph)
    if height is None:
        height = round(min(max(layout.height + _MARGIN, MIN_HEIGHT), MAX_HEIGHT))
    # a drawing wider than a page is drawn at its size, and the page scrolls across it
    wide = layout.width + _MARGIN > WIDE
    width = f"{round(layout.width + _MARGIN)}px" if wide else "100%"
    net = network.Network(
        height=f"{height}px", width=width, directed=True, cdn_resources="in_line", notebook=False
    )
    roots = set(graph.roots)
    for node in graph.sorted_nodes():
        style = node_style(node, root=node.uuid in roots)
        border = style.border or ("#222222" if style.double else style.fill)
        options: dict[str, Any] = {
            "label": "\n".join(node_caption(node)),
            "title": "\n".join(f"{k}: {v}" for k, v in node_details(node).items()),
            "shape": style.shape,
            "color": {"background": style.fill, "border": border},
            "borderWidth": 3 if style.double else max(style.border_width, 1),
            "shapeProperties": {
                "borderDashes": [6, 4] if style.dashed else False,
                "borderRadius": 8 if style.rounded else 0,
            },
        }
        net.add_node(node.pk, **options)
    for node in graph.sorted_nodes():
        net.node_map[node.pk].update(layout.nodes[node.pk])
    for index, link in enumerate(graph.links):
        source, target = graph.nodes[link.source], graph.nodes[link.target]
        line = LINK_STYLES.get(link.type)
        caption = link_caption(link.type, link.label)
        title = f"{link.type} {link.label!r}: pk {source.pk} -> pk {target.pk}"
        look = {
            "title": title,
            "dashes": _DASHES.get(line.style if line else "solid", False),
            "color": line.colour if line else "#555555",
            "width": line.width if line else 1.0,
        }
        # the caption is a node of its own where Graphviz put it, and the link passes
        # through it: Graphviz's layout keeps captions off each other and off nodes
        caption_id = f"link{index}"
        x, y = layout.captions[(source.pk, target.pk)].pop()
        net.add_node(
            caption_id, label=caption, title=title, shape="text", x=x, y=y, physics=False,
            font={"size": 12, "color": look["color"]},
        )  # fmt: skip
        net.add_edge(source.pk, caption_id, arrows={"to": {"enabled": False}}, **look)
        net.add_edge(caption_id, target.pk, **look)
    net.set_options(json.dumps(_OPTIONS))
    page: str = net.generate_html()
    # pyvis always adds Bootstrap from a CDN (for menus we do not use): without it the page
    # needs no network at all, and cannot hang on a blocked one
    page = _REMOTE.sub("", page)
    page = page.replace("</head>", _TOOLTIP_CSS + _LEGEND_CSS + "</head>", 1)
    return page.replace("<body>", "<body>" + _legend(), 1), height


@dataclass
class _Layout:
    """Graphviz's positions, in the page's pixels: of each node (by pk) and of the captions
    of the links between two nodes (by source and target pk; any of them suits any of
    those links: each is a place beside a line between the same two nodes), and the
    drawing's size."""

    height: float = 0.0
    width: float = 0.0
    nodes: dict[int | None, dict[str, Any]] = field(default_factory=dict)
    captions: dict[tuple[Any, Any], list[tuple[float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def _dot_layout(graph: ProvenanceGraph) -> _Layout:
    """Lay the graph out with Graphviz's ``dot`` (as the static drawing is), whose ranks
    make room for every caption, so that none overlaps another or a node."""
    drawn = json.loads(run_dot(to_dot(graph), "json"))
    layout = _Layout()
    if "bb" in drawn:  # x0,y0,x1,y1 in points
        left, bottom, right, top = (float(part) for part in drawn["bb"].split(","))
        layout.height = (top - bottom) * _PX_PER_POINT
        layout.width = (right - left) * _PX_PER_POINT
    names: dict[int, Any] = {}
    for item in drawn.get("objects", []):
        pk = int(item["name"][1:])  # N<pk>, dot's node names
        names[item["_gvid"]] = pk
        x, y = _point(item["pos"])
        layout.nodes[pk] = {"x": x, "y": y, "physics": False}
    for edge in drawn.get("edges", []):
        if "lp" in edge:
            layout.captions[(names[edge["tail"]], names[edge["head"]])].append(_point(edge["lp"]))
    return layout


def _point(text: str) -> tuple[float, float]:
    """A dot position (points, y up) as the page's pixels (y down)."""
    x, y = (float(part) for part in text.split(",")[:2])
    return x * _PX_PER_POINT, -y * _PX_PER_POINT


def _legend() -> str:
    """What the shapes, colours and lines mean, in the page's top left corner."""
    rows = [
        f'<div><span class="swatch" style="background:{fill};border-radius:{radius}"></span>'
        f"{html.escape(kind)}</div>"
        for kind, fill, radius in (
            ("data", DATA_FILL, "50%"),
            ("calculation", CALCULATION_FILL, "0"),
            ("workflow", WORKFLOW_FILL, "4px"),
        )
    ]
    rows += [
        f'<div><span class="line" style="border-top:{max(style.width, 1.5) + 0.5}px '
        f'{style.style} {style.colour}"></span>{html.escape(kind)}</div>'
        for kind, style in LINK_STYLES.items()
    ]
    return f'<div class="graphflow-legend">{"".join(rows)}</div>'


async def ainteractive(
    target: ProvenanceGraph | Node | Sequence[Node],
    *,
    ancestor_depth: int | None = None,
    descendant_depth: int | None = None,
    links: str = "data",
    max_nodes: int = DEFAULT_MAX_NODES,
    height: int | None = None,
) -> InteractiveGraph:
    """An interactive view of ``target`` (a graph, or the provenance around nodes); as
    tall as its drawing unless ``height`` (pixels) is given."""
    limit = check_limit(max_nodes)
    graph = await agraph_of(target, ancestor_depth, descendant_depth, links, limit)
    return InteractiveGraph(graph, height=height, max_nodes=limit)


def interactive(
    target: ProvenanceGraph | Node | Sequence[Node],
    *,
    ancestor_depth: int | None = None,
    descendant_depth: int | None = None,
    links: str = "data",
    max_nodes: int = DEFAULT_MAX_NODES,
    height: int | None = None,
) -> InteractiveGraph:
    """Synchronous :func:`ainteractive`."""
    return _loop.call(
        ainteractive(
            target,
            ancestor_depth=ancestor_depth,
            descendant_depth=descendant_depth,
            links=links,
            max_nodes=max_nodes,
            height=height,
        )
    )


register_view("interactive", InteractiveGraph)
