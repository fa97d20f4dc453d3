"""Handlers of the provenance commands: ``:show``, ``:ancestors``, ``:descendants``,
``:path``, ``:tree`` and ``:report``.

Lists of nodes come back as results (so ``:format``, ``:limit`` and ``:export`` apply to
them as to any query); a node, a call tree and a log are drawn like ``graphflow node
show`` and ``graphflow process status``/``report`` draw them (:mod:`graphflow.lineage._views`).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Text

from graphflow.engine import acall_tree, alogs
from graphflow.errors import NotExistentError
from graphflow.lineage._views import call_tree_view, links_table, node_table, state_text
from graphflow.orm import Node, ProcessNode, alinks, aload_group, aload_node, node_from_record
from graphflow.shell._args import parse_args, parse_choice, parse_count, parse_node_id
from graphflow.shell._render import OutputFormat
from graphflow.store import QueryResult, query

if TYPE_CHECKING:
    from graphflow.shell._context import ShellContext


def describe(node: Node) -> str:
    """One line about a node (``graphflow.lineage.describe``, imported when first used)."""
    from graphflow.lineage import describe as lineage_describe

    return lineage_describe(node)


__all__ = [
    "LINK_MODES",
    "do_ancestors",
    "do_descendants",
    "do_group",
    "do_path",
    "do_report",
    "do_show",
    "do_tree",
]

LINK_MODES = ("data", "logic", "all")
_LINK_TYPES = ["INPUT", "CREATE", "RETURN", "CALL"]
#: the longest path :path looks for; it is written into the shell.path_* queries
PATH_LIMIT = 100


async def _load(ctx: ShellContext, word: str) -> Node:
    return await aload_node(await ctx.backend(), parse_node_id(word))


async def _load_process(ctx: ShellContext, word: str) -> ProcessNode:
    node = await _load(ctx, word)
    if not isinstance(node, ProcessNode):
        raise NotExistentError(f"node {node.pk} ({node.type_label}) is not a process")
    return node


async def _title(ctx: ShellContext, text: str) -> None:
    if ctx.state.format is OutputFormat.TABLE:
        await ctx.show(Text(text, style="bold"))


async def do_show(ctx: ShellContext, args: str) -> None:
    """A node's properties, attributes and links, like ``graphflow node show``."""
    for word in parse_args(args, least=1).positional:
        node = await _load(ctx, word)
        backend = await ctx.backend()
        incoming = await alinks(backend, node, _LINK_TYPES, incoming=True)
        outgoing = await alinks(backend, node, _LINK_TYPES, incoming=False)
        parts: list[Any] = [node_table(node)]
        for title, links in (("incoming", incoming), ("outgoing", outgoing)):
            if links:
                parts.append(links_table(title, links))
        await ctx.show(*parts)


async def _lineage(ctx: ShellContext, args: str, *, upstream: bool) -> None:
    parsed = parse_args(args, options=("--depth", "--links"), least=1, most=1)
    depth = None
    if "--depth" in parsed.options:
        depth = parse_count(parsed.options["--depth"], "--depth")
    links = parse_choice(parsed.options.get("--links", "data"), LINK_MODES, "--links")
    from graphflow.lineage import aprovenance_graph

    started = time.perf_counter()
    node = await _load(ctx, parsed.positional[0])
    graph = await aprovenance_graph(
        node,
        ancestor_depth=depth if upstream else 0,
        descendant_depth=0 if upstream else depth,
        links=links,
    )
    depths = graph.depths([node.uuid], upstream=upstream)
    found = sorted(
        (n for uuid, n in graph.nodes.items() if uuid != node.uuid),
        key=lambda n: (depths.get(n.uuid, 0), n.pk or 0),
    )
    rows = [
        {"depth": depths.get(n.uuid), "pk": n.pk, "type": n.type_label, "node": describe(n)}
        for n in found
    ]
    elapsed = time.perf_counter() - started
    what = "ancestors" if upstream else "descendants"
    within = f" within {depth} links" if depth else ""
    await _title(ctx, f"{what} of {describe(node)}, {links} links{within}:")
    await ctx.show_result(QueryResult(["depth", "pk", "type", "node"], rows), elapsed)


async def do_ancestors(ctx: ShellContext, args: str) -> None:
    """Every node a node came from, nearest first, with its distance in links."""
    await _lineage(ctx, args, upstream=True)


async def do_descendants(ctx: ShellContext, args: str) -> None:
    """Every node that came from a node, nearest first, with its distance in links."""
    await _lineage(ctx, args, upstream=False)


async def do_path(ctx: ShellContext, args: str) -> None:
    """A shortest path between two nodes: downstream, upstream, or else through any link."""
    parsed = parse_args(args, options=("--links",), least=2, most=2)
    links_kind = parse_choice(parsed.options.get("--links", "data"), LINK_MODES, "--links")
    started = time.perf_counter()
    source = await _load(ctx, parsed.positional[0])
    target = await _load(ctx, parsed.positional[1])
    links: list[dict[str, Any]] = []
    if source.pk == target.pk:  # a path of no links (Neo4j's shortestPath refuses it)
        nodes, how = [source], "the same node"
    else:
        nodes, links, how = await _shortest_path(ctx, source, target, links_kind)
    result = QueryResult(["step", "link", "pk", "node"], _path_rows(nodes, links))
    elapsed = time.perf_counter() - started
    hops = len(nodes) - 1
    await _title(
        ctx, f"path from {source.pk} to {target.pk} ({how}, {hops} link{'s' * (hops != 1)}):"
    )
    await ctx.show_result(result, elapsed)


async def _shortest_path(
    ctx: ShellContext, source: Node, target: Node, links: str
) -> tuple[list[Node], list[dict[str, Any]], str]:
    """The nodes and links of a shortest path, and which way it was found."""
    store = (await ctx.backend()).store
    attempts = (
        (f"shell.path_{links}", source, target, f"{links} links, downstream"),
        (f"shell.path_{links}", target, source, f"{links} links, upstream"),
        ("shell.path_undirected", source, target, "any links, in either direction"),
    )
    for name, start, end, how in attempts:
        rows = await store.read(query(name), source=start.pk, target=end.pk)
        if rows:
            nodes = [node_from_record(value) for value in rows[0]["nodes"]]
            if start is target:
                nodes.reverse()  # an upstream path is shown from the node that was asked about
            return nodes, rows[0]["links"], how
    raise NotExistentError(
        f"nodes {source.pk} and {target.pk} are not connected by a path of at most "
        f"{PATH_LIMIT} links"
    )


def _path_rows(nodes: list[Node], links: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per node; the link column says how it is reached from the row above."""
    by_pair = {(link["source"], link["target"]): link for link in links}
    rows: list[dict[str, Any]] = []
    for step, node in enumerate(nodes):
        arrow = ""
        if step:
            previous = nodes[step - 1].uuid
            forward = by_pair.get((previous, node.uuid))
            backward = by_pair.get((node.uuid, previous))
            if forward is not None:
                arrow = f"-[{forward['type']} {forward['label']}]->"
            elif backward is not None:
                arrow = f"<-[{backward['type']} {backward['label']}]-"
        rows.append({"step": step, "link": arrow, "pk": node.pk, "node": describe(node)})
    return rows


async def do_tree(ctx: ShellContext, args: str) -> None:
    """The call tree of a workflow, with the state and exit status of every process."""
    for word in parse_args(args, least=1).positional:
        node = await _load_process(ctx, word)
        tree = await acall_tree(await ctx.backend(), node)
        await ctx.show(call_tree_view(tree))


async def do_group(ctx: ShellContext, args: str) -> None:
    """The nodes of a group, by pk; without a label, every group with its size."""
    parsed = parse_args(args, least=0, most=1)
    store = (await ctx.backend()).store
    started = time.perf_counter()
    if not parsed.positional:
        rows = await store.read(query("orm.list_groups"), type_string=None)
        listed = [
            {
                "label": r["group"]["label"],
                "nodes": r["count"],
                "description": r["group"]["description"],
            }
            for r in rows
        ]
        result = QueryResult(["label", "nodes", "description"], listed)
        await ctx.show_result(result, time.perf_counter() - started)
        return
    found = await aload_group(parsed.positional[0])
    rows = await store.read(query("orm.group_nodes"), key=found.key, limit=ROW_LIMIT)
    nodes = [node_from_record(row["node"]) for row in rows]
    table = [{"pk": n.pk, "type": n.type_label, "node": describe(n)} for n in nodes]
    await _title(ctx, f"group {found.label} ({len(nodes)} nodes):")
    await ctx.show_result(QueryResult(["pk", "type", "node"], table), time.perf_counter() - started)


#: the most nodes :group lists
ROW_LIMIT = 10_000


async def do_report(ctx: ShellContext, args: str) -> None:
    """The log records of a process (reports, warnings, tracebacks) with timestamps."""
    for word in parse_args(args, least=1).positional:
        node = await _load_process(ctx, word)
        records = await alogs(await ctx.backend(), node)
        heading = Text.assemble((node.process_label, "bold"), f" pk {node.pk}: ")
        heading.append_text(state_text(node))
        parts: list[Any] = [heading]
        if node.exit_message:
            parts.append(Text(f"exit message: {node.exit_message}"))
        if not records:
            parts.append(Text("no log records", style="dim"))
        for record in records:
            when = record.time.astimezone().strftime("%Y-%m-%d %H:%M:%S") if record.time else ""
            parts.append(Text(f"{when} [{record.level}] {record.message}"))
        await ctx.show(*parts)
