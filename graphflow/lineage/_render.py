"""``render``: read the provenance around nodes and draw it with Graphviz, in one call."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from graphflow import _loop
from graphflow.lineage._args import check_limit
from graphflow.lineage._dot import DEFAULT_MAX_NODES, check_format, render_graph
from graphflow.lineage._read import agraph_of

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence

    from graphflow.lineage._graph import ProvenanceGraph
    from graphflow.orm import Node

__all__ = ["arender", "render"]


async def arender(
    target: ProvenanceGraph | Node | Sequence[Node],
    format: str = "svg",
    output: str | os.PathLike[str] | None = None,
    *,
    ancestor_depth: int | None = None,
    descendant_depth: int | None = None,
    links: str = "data",
    max_nodes: int = DEFAULT_MAX_NODES,
) -> bytes:
    """Draw ``target`` (a graph, or the provenance around nodes: all ancestors and
    descendants by default, as ``verdi node graph generate`` does) as svg, png, pdf or dot.

    Returns the drawing and writes it to ``output`` if given. The graph is read with a
    size limit, so one too large to draw is refused (:class:`GraphTooLargeError`, with its
    size) before it is read whole.
    """
    fmt = check_format(format)
    limit = check_limit(max_nodes)
    graph = await agraph_of(target, ancestor_depth, descendant_depth, links, limit)
    # dot is a program and writing the file is blocking I/O: both off the loop
    return await asyncio.to_thread(render_graph, graph, fmt, output, max_nodes=limit)


def render(
    target: ProvenanceGraph | Node | Sequence[Node],
    format: str = "svg",
    output: str | os.PathLike[str] | None = None,
    *,
    ancestor_depth: int | None = None,
    descendant_depth: int | None = None,
    links: str = "data",
    max_nodes: int = DEFAULT_MAX_NODES,
) -> bytes:
    """Synchronous :func:`arender`."""
    return _loop.call(
        arender(
            target,
            format,
            output,
            ancestor_depth=ancestor_depth,
            descendant_depth=descendant_depth,
            links=links,
            max_nodes=max_nodes,
        )
    )
