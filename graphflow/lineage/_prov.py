"""Provenance as W3C PROV documents (PROV-JSON, PROV-N, PROV-XML) with the ``prov`` package.

The mapping (also in the README)::

    data node            prov:Entity     id uuid:<uuid>, prov:type graphflow:<Type>,
                                         prov:value (Int, Float, Str, Bool), graphflow:pk
    process node         prov:Activity   id uuid:<uuid>, start ctime, end mtime once
                                         terminated, prov:type graphflow:<Kind>, state
    INPUT  d -> p        used(p, d)                  prov:role = link label
    CREATE c -> d        wasGeneratedBy(d, c)        prov:role = link label, time = d.ctime
    RETURN w -> d        wasInfluencedBy(d, w)       prov:type graphflow:RETURN (not a
                                                     generation: d was made by a calculation,
                                                     and PROV lets an entity be generated once)
    CALL   w -> p        wasStartedBy(p, -, w)       w is the starter; graphflow:label
    process class        prov:Plan entity; wasAssociatedWith(p, graphflow agent, plan)
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from graphflow import _loop
from graphflow.errors import RenderError, ValidationError
from graphflow.lineage._graph import register_view
from graphflow.lineage._read import agraph_of
from graphflow.orm import BaseType, ProcessNode

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence

    from prov.model import ProvDocument

    from graphflow.lineage._graph import ProvenanceGraph
    from graphflow.orm import Node

__all__ = ["PROV_FORMATS", "aexport_prov", "ato_prov", "export_prov", "prov_document", "to_prov"]

PROV_FORMATS: Final = ("json", "provn", "xml")
NAMESPACE: Final = "https://graphflow.org/ns/provenance#"
NODE_NAMESPACE: Final = "urn:uuid:"
PLAN_NAMESPACE: Final = "https://graphflow.org/ns/process#"


def _plan_id(process_type: str) -> str:
    return "plan:" + (re.sub(r"[^A-Za-z0-9_.-]", "_", process_type) or "unknown")


def _entity_attributes(node: Node, ns: Any) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "prov:type": ns[node.type_label],
        "prov:label": f"{node.type_label} (pk {node.pk})",
        "graphflow:pk": node.pk,
        "graphflow:node_type": node.node_type,
    }
    if isinstance(node, BaseType):
        value = node.value
        if isinstance(value, float) and not math.isfinite(value):
            value = repr(value)
        attrs["prov:value"] = value
    elif node.attributes:
        attrs["graphflow:attributes"] = json.dumps(node.attributes, sort_keys=True)
    if node.label:
        attrs["graphflow:label"] = node.label
    return attrs


def _activity_attributes(node: ProcessNode, ns: Any) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "prov:type": ns[node.type_label],
        "prov:label": f"{node.process_label} (pk {node.pk})",
        "graphflow:pk": node.pk,
        "graphflow:process_label": node.process_label,
        "graphflow:process_type": node.process_type,
        "graphflow:process_state": node.process_state.value,
    }
    if node.exit_status is not None:
        attrs["graphflow:exit_status"] = node.exit_status
    if node.label:
        attrs["graphflow:label"] = node.label
    return attrs


def prov_document(graph: ProvenanceGraph) -> ProvDocument:
    """``graph`` as a PROV document (see the module docstring for the mapping)."""
    from importlib.metadata import PackageNotFoundError, version

    from prov.constants import PROV
    from prov.model import ProvDocument

    document = ProvDocument()
    ns = document.add_namespace("graphflow", NAMESPACE)
    document.add_namespace("uuid", NODE_NAMESPACE)
    document.add_namespace("plan", PLAN_NAMESPACE)
    try:
        release = version("graphflow")
    except PackageNotFoundError:
        release = "unknown"
    engine = document.agent(
        "graphflow:engine",
        {"prov:type": PROV["SoftwareAgent"], "prov:label": f"graphflow {release}"},
    )
    plans: dict[str, Any] = {}
    for node in graph.sorted_nodes():
        ident = f"uuid:{node.uuid}"
        if isinstance(node, ProcessNode):
            end = node.mtime if node.is_terminated else None
            activity = document.activity(ident, node.ctime, end, _activity_attributes(node, ns))
            plan = plans.get(node.process_type)
            if plan is None:
                plan = document.entity(
                    _plan_id(node.process_type),
                    {"prov:type": PROV["Plan"], "prov:label": node.process_type or "unknown"},
                )
                plans[node.process_type] = plan
            document.wasAssociatedWith(activity, engine, plan)
        else:
            document.entity(ident, _entity_attributes(node, ns))
    for link in sorted(graph.links, key=lambda k: (k.source, k.target, k.type, k.label)):
        source, target = f"uuid:{link.source}", f"uuid:{link.target}"
        if link.type == "INPUT":
            document.used(target, source, None, None, {"prov:role": link.label})
        elif link.type == "CREATE":
            when = graph.nodes[link.target].ctime
            document.wasGeneratedBy(target, source, when, None, {"prov:role": link.label})
        elif link.type == "RETURN":
            document.wasInfluencedBy(
                target,
                source,
                None,
                {"prov:type": ns["RETURN"], "graphflow:label": link.label},
            )
        elif link.type == "CALL":
            document.wasStartedBy(target, None, source, None, None, {"graphflow:label": link.label})
        else:
            raise ValidationError(f"link type {link.type!r} has no PROV mapping")
    return document


def _check_format(format: Any) -> str:
    if format not in PROV_FORMATS:
        raise ValidationError(f"format must be one of {', '.join(PROV_FORMATS)}; got {format!r}")
    return str(format)


def serialize(document: ProvDocument, format: str) -> str:
    """The document as PROV-JSON, PROV-N or PROV-XML text."""
    from prov.serializers import DoNotExist

    buffer = io.StringIO()
    try:
        if format == "json":
            document.serialize(buffer, format="json", indent=2)
        else:
            document.serialize(buffer, format=format)
    except DoNotExist as exc:  # PROV-XML needs lxml: prov's "xml" extra
        raise RenderError(
            f"cannot write PROV-{format.upper()}: {exc} (or: pip install lxml)"
        ) from exc
    return buffer.getvalue()


async def ato_prov(
    target: ProvenanceGraph | Node | Sequence[Node],
    *,
    ancestor_depth: int | None = None,
    descendant_depth: int | None = 0,
    links: str = "all",
) -> ProvDocument:
    """The provenance of ``target`` (a graph, or all ancestors of nodes, through every link
    type by default) as a PROV document."""
    graph = await agraph_of(target, ancestor_depth, descendant_depth, links, None)
    return prov_document(graph)


def to_prov(
    target: ProvenanceGraph | Node | Sequence[Node],
    *,
    ancestor_depth: int | None = None,
    descendant_depth: int | None = 0,
    links: str = "all",
) -> ProvDocument:
    """Synchronous :func:`ato_prov`."""
    return _loop.call(
        ato_prov(
            target, ancestor_depth=ancestor_depth, descendant_depth=descendant_depth, links=links
        )
    )


async def aexport_prov(
    target: ProvenanceGraph | Node | Sequence[Node],
    format: str = "json",
    output: str | os.PathLike[str] | None = None,
    *,
    ancestor_depth: int | None = None,
    descendant_depth: int | None = 0,
    links: str = "all",
) -> str:
    """The provenance of ``target`` as PROV text (json, provn or xml); written to ``output``
    if given."""
    fmt = _check_format(format)
    document = await ato_prov(
        target, ancestor_depth=ancestor_depth, descendant_depth=descendant_depth, links=links
    )
    text = serialize(document, fmt)
    if output is not None:
        await asyncio.to_thread(Path(output).write_text, text, encoding="utf-8")
    return text


def export_prov(
    target: ProvenanceGraph | Node | Sequence[Node],
    format: str = "json",
    output: str | os.PathLike[str] | None = None,
    *,
    ancestor_depth: int | None = None,
    descendant_depth: int | None = 0,
    links: str = "all",
) -> str:
    """Synchronous :func:`aexport_prov`."""
    return _loop.call(
        aexport_prov(
            target,
            format,
            output,
            ancestor_depth=ancestor_depth,
            descendant_depth=descendant_depth,
            links=links,
        )
    )


register_view("prov", prov_document)
