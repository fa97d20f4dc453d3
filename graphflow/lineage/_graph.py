"""A part of the provenance graph held in memory: nodes by uuid and the links between them.

Every lineage query returns one of these (or a list of its nodes). It knows nothing of
the store: depths, sub-graphs and the networkx view are computed on what was read. Its
drawings (graphviz, interactive HTML, W3C PROV) are made by the modules that draw, which
import this one and register themselves with :func:`register_view`; importing any part
of :mod:`graphflow.lineage` imports them all first.
"""

from __future__ import annotations

import html
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from graphflow.errors import GraphTooLargeError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    import networkx

    from graphflow.orm import Node

__all__ = ["LINK_TYPES", "Link", "LinkMode", "ProvenanceGraph", "register_view"]

#: which links each mode follows: data provenance, logical provenance, or both
LinkMode = Literal["data", "logic", "all"]
LINK_TYPES: dict[str, tuple[str, ...]] = {
    "data": ("INPUT", "CREATE"),
    "logic": ("INPUT", "RETURN", "CALL"),
    "all": ("INPUT", "CREATE", "RETURN", "CALL"),
}


#: how a graph is drawn: "render" (graphviz), "interactive" (HTML), "prov" (W3C PROV)
_VIEWS: dict[str, Callable[..., Any]] = {}


def register_view(name: str, view: Callable[..., Any]) -> None:
    """Let graphs draw themselves as ``name`` with ``view(graph, ...)``."""
    _VIEWS[name] = view


@dataclass(frozen=True, slots=True)
class Link:
    """A provenance link: ``source -[type label]-> target`` (uuids)."""

    source: str
    target: str
    type: str
    label: str


@dataclass(slots=True)
class ProvenanceGraph:
    """A part of the provenance graph: nodes by uuid and the links between them.

    ``roots`` are the uuids the graph was asked about (drawn highlighted). Links never
    dangle: both ends of every link are in ``nodes``.
    """

    nodes: dict[str, Node] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)

    # --- building -------------------------------------------------------------------

    def add(self, other: ProvenanceGraph) -> None:
        """Merge ``other`` into this graph (nodes, links and roots, without duplicates)."""
        self.nodes.update(other.nodes)
        known = set(self.links)
        for link in other.links:
            if link not in known:
                known.add(link)
                self.links.append(link)
        self.roots.extend(uuid for uuid in other.roots if uuid not in self.roots)

    def subgraph(self, uuids: Iterable[str]) -> ProvenanceGraph:
        """The nodes among ``uuids`` and the links between them."""
        keep = set(uuids) & self.nodes.keys()
        return ProvenanceGraph(
            {u: n for u, n in self.nodes.items() if u in keep},
            [link for link in self.links if link.source in keep and link.target in keep],
            [uuid for uuid in self.roots if uuid in keep],
        )

    # --- reading --------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.nodes)

    def __contains__(self, item: object) -> bool:
        uuid = getattr(item, "uuid", item)
        return isinstance(uuid, str) and uuid in self.nodes

    def __iter__(self) -> Iterator[Node]:
        """The nodes in pk order."""
        return iter(self.sorted_nodes())

    def sorted_nodes(self) -> list[Node]:
        """The nodes in pk order (the order they were stored in)."""
        return sorted(self.nodes.values(), key=lambda node: node.pk or 0)

    def incoming(self, uuid: str) -> list[Link]:
        """Links into the node ``uuid``, by type and label."""
        return sorted(
            (link for link in self.links if link.target == uuid), key=lambda k: (k.type, k.label)
        )

    def outgoing(self, uuid: str) -> list[Link]:
        """Links out of the node ``uuid``, by type and label."""
        return sorted(
            (link for link in self.links if link.source == uuid), key=lambda k: (k.type, k.label)
        )

    def depths(self, roots: Iterable[str], *, upstream: bool) -> dict[str, int]:
        """Links away from ``roots`` (against link direction when ``upstream``)."""
        neighbours: dict[str, list[str]] = {}
        for link in self.links:
            a, b = (link.target, link.source) if upstream else (link.source, link.target)
            neighbours.setdefault(a, []).append(b)
        depth = dict.fromkeys(roots, 0)
        queue = deque(depth)
        while queue:
            current = queue.popleft()
            for nxt in neighbours.get(current, ()):
                if nxt not in depth:
                    depth[nxt] = depth[current] + 1
                    queue.append(nxt)
        return depth

    def limited(self, roots: Iterable[str], max_depth: int, *, upstream: bool) -> ProvenanceGraph:
        """The part within ``max_depth`` links of ``roots``."""
        depth = self.depths(list(roots), upstream=upstream)
        return self.subgraph(uuid for uuid, d in depth.items() if d <= max_depth)

    # --- views ----------------------------------------------------------------------

    def to_networkx(self) -> networkx.MultiDiGraph:
        """A networkx multigraph: nodes keyed by uuid (attributes ``node``, ``pk``, ``label``:
        the type label), edges keyed by link label with ``type`` and ``label``."""
        import networkx

        graph = networkx.MultiDiGraph()
        for uuid, node in self.nodes.items():
            graph.add_node(uuid, node=node, pk=node.pk, label=node.type_label)
        for link in self.links:
            graph.add_edge(
                link.source,
                link.target,
                key=f"{link.type}:{link.label}",
                type=link.type,
                label=link.label,
            )
        return graph

    def render(self, format: str = "svg", output: Any = None, **options: Any) -> bytes:
        """Draw with graphviz (see :func:`graphflow.lineage.render`)."""
        return _VIEWS["render"](self, format, output, **options)  # type: ignore[no-any-return]

    def interactive(self, **options: Any) -> Any:
        """An interactive HTML view (see :func:`graphflow.lineage.interactive`)."""
        return _VIEWS["interactive"](self, **options)

    def to_prov(self) -> Any:
        """The graph as a W3C PROV document (see :func:`graphflow.lineage.to_prov`)."""
        return _VIEWS["prov"](self)

    def _repr_html_(self) -> str:
        """In a notebook, a graph shows itself as an interactive drawing (if not too big)."""
        try:
            return self.interactive()._repr_html_()  # type: ignore[no-any-return]
        except GraphTooLargeError as exc:
            return f"<p><code>{html.escape(repr(self))}</code>: {html.escape(str(exc))}</p>"

    def __repr__(self) -> str:
        roots = ", ".join(str(self.nodes[u].pk) for u in self.roots if u in self.nodes)
        about = f" around pk {roots}" if roots else ""
        return f"<ProvenanceGraph{about}: {len(self.nodes)} nodes, {len(self.links)} links>"
