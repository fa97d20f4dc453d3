"""The queries behind every lineage function: closures, one-hop links and depth-limited walks.

Three ways to read a part of the graph, all in a fixed, small number of queries:

- a *closure* (all ancestors or descendants) is one variable-length query whose shape lets
  the server search breadth first and visit each node once (see the header of
  ``cypher/lineage/ancestor_nodes_data.cypher``), plus one query for the links among what
  it found: two round trips whatever the size;
- a *walk* to depth ``d`` is ``d`` one-hop queries, each batched over the whole frontier,
  plus one for the links among the last level (variable-length bounds cannot be
  parameters, and a depth-limited closure would read everything beyond the limit);
- *links* of known nodes are one ``UNWIND`` query per few thousand nodes.

Nothing here walks node by node from Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from graphflow.errors import GraphTooLargeError
from graphflow.lineage._graph import LINK_TYPES, Link, LinkMode, ProvenanceGraph
from graphflow.orm import get_backend, node_from_record
from graphflow.store import query

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from graphflow.orm import Node

__all__ = [
    "Direction",
    "aclosure",
    "aclosure_graph",
    "acount",
    "alinks",
    "awalk",
]

#: upstream (ancestors: against the links) or downstream (descendants: along them)
Direction = Literal["ancestor", "descendant"]
#: rows asked for when there is no size limit (LIMIT needs a number; ArcadeDB reads it as
#: a 32-bit integer, so anything larger wraps around and is refused as negative)
UNLIMITED = 2**31 - 1
#: uuids per link query: a parameter list of a few hundred kilobytes at most
CHUNK = 5000


async def _read(name: str, **params: Any) -> list[dict[str, Any]]:
    backend = await get_backend()
    return await backend.store.read(query(name), **params)


async def aclosure(
    uuids: Sequence[str], direction: Direction, mode: LinkMode | Literal["call"], limit: int
) -> dict[str, Node]:
    """Every ancestor (or descendant) of ``uuids``, at most ``limit`` of them, by uuid.

    Without a limit the closure comes back as one row (``lineage.*_set_*``), which the
    driver decodes far faster than a row per node; a limit needs a row per node, so that
    the server stops searching once it has found enough.
    """
    if mode != "call" and limit == UNLIMITED:
        (row,) = await _read(f"lineage.{direction}_set_{mode}", uuids=list(uuids))
        return _by_uuid(row["nodes"])
    name = "lineage.called_processes" if mode == "call" else f"lineage.{direction}_nodes_{mode}"
    rows = await _read(name, uuids=list(uuids), limit=limit)
    return _by_uuid(row["node"] for row in rows)


def _by_uuid(records: Iterable[Any]) -> dict[str, Node]:
    found: dict[str, Node] = {}
    for record in records:
        node = node_from_record(record)
        found[node.uuid] = node
    return found


async def acount(uuids: Sequence[str], direction: Direction, mode: LinkMode) -> int:
    """How many nodes :func:`aclosure` would find without a limit."""
    rows = await _read(f"lineage.{direction}_count_{mode}", uuids=list(uuids))
    return int(rows[0]["count"]) if rows else 0


async def alinks(uuids: Sequence[str], *, incoming: bool, types: Sequence[str]) -> list[Link]:
    """The links of the given types into (or out of) the nodes ``uuids``."""
    name = "lineage.incoming_links" if incoming else "lineage.outgoing_links"
    links: list[Link] = []
    for start in range(0, len(uuids), CHUNK):
        rows = await _read(name, uuids=list(uuids[start : start + CHUNK]), types=list(types))
        links.extend(Link(r["source"], r["target"], r["type"], r["label"] or "") for r in rows)
    return links


def _too_large(
    roots: Sequence[Node], direction: Direction, count: int, limit: int, *, at_least: bool = False
) -> str:
    pks = ", ".join(str(node.pk) for node in roots)
    has = "has at least" if at_least else "has"
    return (
        f"the provenance graph of pk {pks} {has} {count} {direction}s, more than the limit of "
        f"{limit} nodes: give a depth (--{direction}-depth N, or {direction}_depth=N) or fewer "
        f"link types (--links logic), or raise the limit (--max-nodes, max_nodes=)"
    )


async def aclosure_graph(
    roots: Sequence[Node],
    direction: Direction,
    mode: LinkMode | Literal["call"],
    *,
    max_nodes: int | None = None,
) -> ProvenanceGraph:
    """``roots``, all their ancestors (or descendants) and the links among them.

    With ``max_nodes``, a closure larger than that is refused with its size, before any
    link is read.
    """
    uuids = [node.uuid for node in roots]
    limit = UNLIMITED if max_nodes is None else max_nodes + 1
    found = await aclosure(uuids, direction, mode, limit)
    if max_nodes is not None and len(found) > max_nodes:
        count = await acount(uuids, direction, mode) if mode != "call" else len(found)
        raise GraphTooLargeError(
            _too_large(roots, direction, count, max_nodes), nodes=count, limit=max_nodes
        )
    graph = ProvenanceGraph({node.uuid: node for node in roots}, [], list(uuids))
    graph.nodes.update(found)
    types = ("CALL",) if mode == "call" else LINK_TYPES[mode]
    # every link into an ancestor comes from an ancestor (and out of a descendant goes to
    # a descendant), so the links of the closure's nodes are exactly the links among them
    links = await alinks(list(graph.nodes), incoming=direction == "ancestor", types=types)
    graph.links.extend(k for k in links if k.source in graph.nodes and k.target in graph.nodes)
    return graph


async def awalk(
    roots: Sequence[Node],
    direction: Direction,
    mode: LinkMode,
    depth: int,
    *,
    max_nodes: int | None = None,
) -> ProvenanceGraph:
    """``roots`` and the nodes within ``depth`` links of them, with the links among these.

    One query per level over the whole frontier; the walk ends early when a level finds
    nothing new.
    """
    upstream = direction == "ancestor"
    name = "lineage.incoming_step" if upstream else "lineage.outgoing_step"
    types = list(LINK_TYPES[mode])
    graph = ProvenanceGraph({node.uuid: node for node in roots}, [], [n.uuid for n in roots])
    known: set[Link] = set()
    frontier = list(graph.nodes)
    for _level in range(depth):
        new: list[str] = []
        rows: list[dict[str, Any]] = []
        for start in range(0, len(frontier), CHUNK):
            rows += await _read(name, uuids=frontier[start : start + CHUNK], types=types)
        for row in rows:
            node = node_from_record(row["node"])
            if node.uuid not in graph.nodes:
                graph.nodes[node.uuid] = node
                new.append(node.uuid)
            link = Link(row["source"], row["target"], row["type"], row["label"] or "")
            if link not in known:
                known.add(link)
                graph.links.append(link)
        found = len(graph.nodes) - len(roots)
        if max_nodes is not None and found > max_nodes:
            # levels not read yet may hold more: the size is a lower bound
            message = _too_large(roots, direction, found, max_nodes, at_least=True)
            raise GraphTooLargeError(message, nodes=found, limit=max_nodes)
        frontier = new
        if not frontier:
            return graph
    # links among the nodes of the last level (or into them from nodes found earlier)
    for link in await alinks(frontier, incoming=upstream, types=types):
        if link.source in graph.nodes and link.target in graph.nodes and link not in known:
            known.add(link)
            graph.links.append(link)
    return graph
