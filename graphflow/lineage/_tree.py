"""Provenance as a text tree for terminals: where a node came from, step by step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphflow.lineage._read import provenance_graph
from graphflow.orm import Node, ProcessNode

if TYPE_CHECKING:
    from rich.tree import Tree

    from graphflow.lineage._graph import Link, ProvenanceGraph

__all__ = ["ancestry_tree", "describe"]


def describe(node: Node) -> str:
    """One line: kind, pk and the most telling detail (value, process state)."""
    if isinstance(node, ProcessNode):
        status = f" [{node.exit_status}]" if node.exit_status else ""
        state = node.process_state.value
        return f"{node.process_label} ({node.type_label}, pk {node.pk}, {state}{status})"
    value = getattr(node, "value", None)
    detail = f" = {value!r}" if value is not None and not callable(value) else ""
    return f"{node.type_label}{detail} (pk {node.pk})"


def ancestry_tree(node: Node, depth: int | None = None) -> Tree:
    """A rich Tree of ``node``'s data provenance, with the workflows that returned it."""
    from rich.tree import Tree  # only here: drawing commands need not import rich

    graph = provenance_graph(node, ancestor_depth=depth, links="data")
    logic = provenance_graph(node, ancestor_depth=1, links="logic")
    incoming: dict[str, list[Link]] = {}
    for link in graph.links:
        incoming.setdefault(link.target, []).append(link)
    tree = Tree(f"[bold]{describe(node)}[/]")
    for link in logic.links:
        if link.type == "RETURN":
            tree.add(f"returned as {link.label!r} by {describe(logic.nodes[link.source])}")
    _grow(tree, node.uuid, graph, incoming, set())
    return tree


def _grow(
    branch: Tree, uuid: str, graph: ProvenanceGraph, incoming: dict[str, list[Link]], seen: set[str]
) -> None:
    if uuid in seen:
        return
    seen.add(uuid)
    for link in sorted(incoming.get(uuid, []), key=lambda link: link.label):
        source = graph.nodes[link.source]
        if link.type == "CREATE":
            child = branch.add(f"created as {link.label!r} by {describe(source)}")
        else:
            child = branch.add(f"{link.label}: {describe(source)}")
        _grow(child, link.source, graph, incoming, seen)
