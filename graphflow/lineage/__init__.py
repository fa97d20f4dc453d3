"""Reading, drawing and exporting provenance: where every result came from.

- Queries (one or a few Cypher queries each, never a walk node by node):
  :func:`ancestors`, :func:`descendants`, :func:`provenance_graph`, :func:`paths`,
  :func:`call_tree`, each with an ``a``-prefixed coroutine twin; graphs are
  :class:`ProvenanceGraph` objects with ``.to_networkx()``.
- Drawings: :func:`render` (Graphviz: svg, png, pdf, dot) and :func:`interactive` (HTML
  with zoom, pan and hover, for notebooks and browsers).
- Export: :func:`to_prov` and :func:`export_prov` (W3C PROV: JSON, PROV-N, XML).
- Text: :func:`ancestry_tree` and :func:`describe` for terminals.
- Jupyter: ``%load_ext graphflow`` loads the ``%cypher`` / ``%%cypher`` magics.

Only reads: nothing here writes to the store.
"""

from graphflow.errors import GraphTooLargeError, GraphvizNotFoundError, RenderError
from graphflow.lineage._graph import Link, LinkMode, ProvenanceGraph
from graphflow.lineage._interactive import InteractiveGraph, ainteractive, interactive
from graphflow.lineage._prov import aexport_prov, ato_prov, export_prov, to_prov
from graphflow.lineage._read import (
    aancestors,
    acall_tree,
    adescendants,
    ancestors,
    apaths,
    aprovenance_graph,
    call_tree,
    descendants,
    paths,
    provenance_graph,
)
from graphflow.lineage._render import arender, render
from graphflow.lineage._tree import ancestry_tree, describe

__all__ = [
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "InteractiveGraph",
    "Link",
    "LinkMode",
    "ProvenanceGraph",
    "RenderError",
    "aancestors",
    "acall_tree",
    "adescendants",
    "aexport_prov",
    "ainteractive",
    "ancestors",
    "ancestry_tree",
    "apaths",
    "aprovenance_graph",
    "arender",
    "ato_prov",
    "call_tree",
    "descendants",
    "describe",
    "export_prov",
    "interactive",
    "paths",
    "provenance_graph",
    "render",
    "to_prov",
]
