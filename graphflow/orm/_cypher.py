"""``graphflow.cypher``: a user's read-only Cypher, with provenance nodes as ORM objects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import neo4j.graph

from graphflow import _loop
from graphflow.orm._backend import get_backend
from graphflow.orm._load import node_from_record
from graphflow.orm._session import see_earlier_writes
from graphflow.store import QueryResult

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["acypher", "convert_value", "cypher"]


def convert_value(value: Any) -> Any:
    """Driver values as Python values: ``:Node`` nodes become ORM nodes, paths lists."""
    if isinstance(value, neo4j.graph.Node):
        if "Node" in value.labels and "node_type" in value:
            return node_from_record(value)
        return {"labels": sorted(value.labels), **dict(value.items())}
    if isinstance(value, neo4j.graph.Relationship):
        return {
            "type": value.type,
            **dict(value.items()),
            "source": value.start_node.get("uuid") if value.start_node else None,
            "target": value.end_node.get("uuid") if value.end_node else None,
        }
    if isinstance(value, neo4j.graph.Path):
        return [convert_value(node) for node in value.nodes]
    if isinstance(value, list):
        return [convert_value(item) for item in value]
    if isinstance(value, dict):
        return {key: convert_value(item) for key, item in value.items()}
    if hasattr(value, "to_native"):
        return value.to_native()
    return value


async def acypher(
    text: str, params: Mapping[str, Any] | None = None, *, convert: bool = True
) -> QueryResult:
    """Run a read-only statement on the current profile's store."""
    backend = await get_backend()
    result = await backend.store.run_readonly(text, params)
    if not convert:
        return result
    rows = [{key: convert_value(value) for key, value in row.items()} for row in result.rows]
    return QueryResult(result.keys, rows)


def cypher(query: str, **params: Any) -> list[dict[str, Any]]:
    """Run a read-only Cypher query on the current profile and return its rows as dicts.

    A statement with a write clause is refused before it reaches the server. Provenance
    nodes in the result come back as graphflow nodes (``Int``, ``CalcFunctionNode``, ...).
    """
    see_earlier_writes()  # in a step, its process's earlier steps are seen
    return _loop.call(acypher(query, params)).rows
