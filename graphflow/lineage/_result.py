"""What a user's Cypher returned, as a pandas DataFrame and as a provenance graph.

The rows come raw from the driver (nodes, relationships and paths whole), so a graph can
be built from them: provenance nodes anywhere in a row (alone, in lists, maps or paths)
become graph nodes, and relationships between two of them become links.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import neo4j.graph

from graphflow.lineage._extras import jupyter_module
from graphflow.lineage._graph import Link, ProvenanceGraph
from graphflow.orm import node_from_record
from graphflow.orm._cypher import convert_value

if TYPE_CHECKING:
    from collections.abc import Iterator

    from graphflow.store import QueryResult

__all__ = ["result_frame", "result_graph"]


def result_frame(result: QueryResult) -> Any:
    """The rows as a ``pandas.DataFrame`` (columns in the query's order); provenance nodes
    become graphflow nodes and paths lists of them, as with :func:`graphflow.cypher`."""
    pandas = jupyter_module("pandas", "a query result as a DataFrame")
    rows = [[convert_value(row[key]) for key in result.keys] for row in result.rows]
    return pandas.DataFrame(rows, columns=list(result.keys))


def _walk(value: Any) -> Iterator[Any]:
    """Every driver node and relationship inside ``value``."""
    if isinstance(value, neo4j.graph.Path):
        yield from value.nodes
        yield from value.relationships
    elif isinstance(value, (neo4j.graph.Node, neo4j.graph.Relationship)):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)


def _is_provenance(node: neo4j.graph.Node) -> bool:
    return "Node" in node.labels and "uuid" in node


def result_graph(result: QueryResult) -> ProvenanceGraph:
    """The provenance nodes in the rows and the links among them that the rows hold."""
    graph = ProvenanceGraph()
    uuids: dict[str, str] = {}  # driver element id -> uuid
    relationships: list[neo4j.graph.Relationship] = []
    for row in result.rows:
        for value in row.values():
            for item in _walk(value):
                if isinstance(item, neo4j.graph.Relationship):
                    relationships.append(item)
                elif _is_provenance(item):
                    uuid = str(item["uuid"])
                    uuids[item.element_id] = uuid
                    if uuid not in graph.nodes:
                        graph.nodes[uuid] = node_from_record(item)
    known: set[Link] = set()
    for rel in relationships:
        ends = rel.start_node, rel.end_node
        if ends[0] is None or ends[1] is None:
            continue
        source, target = uuids.get(ends[0].element_id), uuids.get(ends[1].element_id)
        if source is None or target is None:
            continue  # an end that is not in the result (or not provenance): nothing to draw
        link = Link(source, target, rel.type, str(rel.get("label") or ""))
        if link not in known:
            known.add(link)
            graph.links.append(link)
    return graph
