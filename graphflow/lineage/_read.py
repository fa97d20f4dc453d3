"""The lineage API: ancestors, descendants, provenance graphs, paths and call trees.

Each function reads with the few queries of :mod:`graphflow.lineage._traverse` (never a
walk node by node from Python) and has a synchronous twin that waits on graphflow's loop.
Depths count links: ``None`` is no limit, and for the graph functions ``0`` is "none".
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from graphflow import _loop
from graphflow.errors import GraphTooLargeError, ValidationError
from graphflow.lineage._args import check_depth, check_limit, check_links, check_nodes
from graphflow.lineage._graph import LINK_TYPES, ProvenanceGraph
from graphflow.lineage._traverse import (
    UNLIMITED,
    Direction,
    aclosure,
    aclosure_graph,
    alinks,
    awalk,
)
from graphflow.orm import Node, ProcessNode

if TYPE_CHECKING:
    from collections.abc import Sequence

    from graphflow.lineage._graph import LinkMode

__all__ = [
    "aancestors",
    "acall_tree",
    "adescendants",
    "ancestors",
    "apaths",
    "aprovenance_graph",
    "call_tree",
    "descendants",
    "paths",
    "provenance_graph",
]


async def _apart(
    roots: list[Node],
    direction: Direction,
    depth: int | None,
    mode: LinkMode,
    max_nodes: int | None,
) -> ProvenanceGraph:
    if depth is None:
        return await aclosure_graph(roots, direction, mode, max_nodes=max_nodes)
    return await awalk(roots, direction, mode, depth, max_nodes=max_nodes)


async def aprovenance_graph(
    nodes: Node | Sequence[Node],
    ancestor_depth: int | None = None,
    descendant_depth: int | None = 0,
    links: str = "data",
    *,
    max_nodes: int | None = None,
) -> ProvenanceGraph:
    """The provenance around ``nodes``: their ancestors and descendants up to the given depths
    (None: all, 0: none), following ``links`` ('data': INPUT/CREATE, 'logic':
    INPUT/RETURN/CALL, 'all'), with every link among the nodes found.

    With ``max_nodes``, a graph with more ancestors (or descendants) than that is refused
    with :class:`GraphTooLargeError`, naming its size, before it is read whole.
    """
    mode = check_links(links)
    roots = check_nodes(nodes)
    up = check_depth(ancestor_depth, "ancestor_depth", zero=True)
    down = check_depth(descendant_depth, "descendant_depth", zero=True)
    limit = None if max_nodes is None else check_limit(max_nodes)
    graph = ProvenanceGraph({n.uuid: n for n in roots}, [], [n.uuid for n in roots])
    wanted: list[tuple[Direction, int | None]] = [("ancestor", up), ("descendant", down)]
    try:
        async with asyncio.TaskGroup() as group:  # both directions at once: one wait, not two
            parts = [
                group.create_task(_apart(roots, direction, depth, mode, limit))
                for direction, depth in wanted
                if depth != 0
            ]
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from failed  # the reason users need, not a group of one
    for part in parts:
        graph.add(part.result())
    if len(parts) == 2 and all(len(part.result()) > len(roots) for part in parts):
        # links between an ancestor and a descendant that neither direction followed (the
        # workflow's CALL of a later calculation, an input shared by both sides)
        known = set(graph.links)
        for link in await alinks(list(graph.nodes), incoming=False, types=LINK_TYPES[mode]):
            if link.target in graph.nodes and link not in known:
                known.add(link)
                graph.links.append(link)
    if limit is not None and len(graph) > limit:
        raise GraphTooLargeError(
            f"the provenance graph of pk {', '.join(str(n.pk) for n in roots)} has "
            f"{len(graph)} nodes, more than the limit of {limit}: give depths or fewer link "
            "types, or raise the limit",
            nodes=len(graph),
            limit=limit,
        )
    return graph


def provenance_graph(
    nodes: Node | Sequence[Node],
    ancestor_depth: int | None = None,
    descendant_depth: int | None = 0,
    links: str = "data",
    *,
    max_nodes: int | None = None,
) -> ProvenanceGraph:
    """Synchronous :func:`aprovenance_graph`."""
    return _loop.call(
        aprovenance_graph(nodes, ancestor_depth, descendant_depth, links, max_nodes=max_nodes)
    )


async def _alineage(node: Node, depth: int | None, links: str, direction: Direction) -> list[Node]:
    mode, root, limit = _lineage_args(node, depth, links)
    if limit is None:
        found = await aclosure([root.uuid], direction, mode, UNLIMITED)
    else:
        found = (await awalk([root], direction, mode, limit)).nodes
    return _others(found, root)


def _lineage(node: Node, depth: int | None, links: str, direction: Direction) -> list[Node]:
    """:func:`_alineage` for synchronous code."""
    return _loop.call(_alineage(node, depth, links, direction))


def _lineage_args(node: Node, depth: int | None, links: str) -> tuple[LinkMode, Node, int | None]:
    mode = check_links(links)
    (root,) = check_nodes(node, "node")
    return mode, root, check_depth(depth, "depth")


def _others(found: dict[str, Node], root: Node) -> list[Node]:
    """The nodes found besides ``root``, in pk order."""
    return sorted((n for u, n in found.items() if u != root.uuid), key=lambda n: n.pk or 0)


async def aancestors(node: Node, depth: int | None = None, links: str = "data") -> list[Node]:
    """Every node ``node`` came from (within ``depth`` links), in pk order: one query."""
    return await _alineage(node, depth, links, "ancestor")


async def adescendants(node: Node, depth: int | None = None, links: str = "data") -> list[Node]:
    """Every node that came from ``node`` (within ``depth`` links), in pk order."""
    return await _alineage(node, depth, links, "descendant")


def ancestors(node: Node, depth: int | None = None, links: str = "data") -> list[Node]:
    """Synchronous :func:`aancestors`."""
    return _lineage(node, depth, links, "ancestor")


def descendants(node: Node, depth: int | None = None, links: str = "data") -> list[Node]:
    """Synchronous :func:`adescendants`."""
    return _lineage(node, depth, links, "descendant")


async def apaths(source: Node, target: Node, links: str = "data") -> ProvenanceGraph:
    """Every node and link on some path from ``source`` to ``target`` along the links'
    direction (inputs lead to their processes, processes to what they create).

    Empty when ``target`` does not come from ``source``. Two queries: the ancestors of
    ``target`` with their links; the paths are then found among them in memory, so a
    ``source`` with a huge number of descendants costs nothing extra.
    """
    mode = check_links(links)
    (start,) = check_nodes(source, "source")
    (end,) = check_nodes(target, "target")
    upstream = await aclosure_graph([end], "ancestor", mode)
    if start.uuid not in upstream.nodes:
        return ProvenanceGraph(roots=[start.uuid, end.uuid])
    # every node of the ancestry reaches target; those source reaches lie on a path
    reached = upstream.depths([start.uuid], upstream=False)
    graph = upstream.subgraph(reached)
    graph.roots = [start.uuid, end.uuid]
    return graph


def paths(source: Node, target: Node, links: str = "data") -> ProvenanceGraph:
    """Synchronous :func:`apaths`."""
    return _loop.call(apaths(source, target, links))


async def acall_tree(workflow: Node) -> ProvenanceGraph:
    """``workflow`` and every process it called, at any depth, with the CALL links.

    ``graph.outgoing(uuid)`` gives a process's calls by label; the networkx view is a tree.
    """
    (root,) = check_nodes(workflow, "workflow")
    if not isinstance(root, ProcessNode):
        raise ValidationError(
            f"workflow: {root.type_label} node pk {root.pk} is data, not a process; "
            "a call tree starts at a process"
        )
    return await aclosure_graph([root], "descendant", "call")


def call_tree(workflow: Node) -> ProvenanceGraph:
    """Synchronous :func:`acall_tree`."""
    return _loop.call(acall_tree(workflow))


async def agraph_of(
    target: ProvenanceGraph | Node | Sequence[Node],
    ancestor_depth: int | None,
    descendant_depth: int | None,
    links: str,
    max_nodes: int | None,
) -> ProvenanceGraph:
    """``target`` itself when it is a graph, else the provenance graph around its nodes."""
    if isinstance(target, ProvenanceGraph):
        return target
    return await aprovenance_graph(
        target, ancestor_depth, descendant_depth, links, max_nodes=max_nodes
    )
