"""Hashes computed again (``graphflow node rehash``): for nodes stored before graphflow
hashed them, and after the hash's rules change (:data:`~graphflow.orm._nodes.HASH_VERSION`).

Data nodes first, then calculations, whose hashes are made of their inputs' new ones; a
page of nodes per read and one write per page, so a store of any size is handled in
bounded memory. Nodes whose hash is already right are not written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphflow.orm._nodes import data_hash
from graphflow.orm._process import calculation_hash
from graphflow.orm._values import load_json
from graphflow.store import WriteBatch, query

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from graphflow.orm._backend import Backend

__all__ = ["arehash"]

_PAGE = 1000


async def arehash(backend: Backend) -> tuple[int, int]:
    """Hash every data node and then every calculation again; how many of each changed."""
    data = await _rehash_pages(backend, "orm.data_to_rehash", _data_hash)
    calculations = await _rehash_pages(backend, "orm.calculations_to_rehash", _calculation_hash)
    return data, calculations


async def _rehash_pages(
    backend: Backend, name: str, compute: Callable[[Mapping[str, Any]], str]
) -> int:
    after, changed = -(2**63), 0
    while rows := await backend.store.read(query(name), after=after, limit=_PAGE):
        batch = WriteBatch()
        for row in rows:
            fresh = compute(row)
            if fresh != row["hash"]:
                batch.update(row["uuid"], {"hash": fresh})
                changed += 1
        if batch.updates:
            await backend.writer.write(batch)
        after = rows[-1]["pk"]
    return changed


def _attributes(row: Mapping[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = load_json(row["attributes"], f"node {row['uuid']} attributes")
    return attributes


def _data_hash(row: Mapping[str, Any]) -> str:
    return data_hash(row["node_type"], _attributes(row), row["value"])


def _calculation_hash(row: Mapping[str, Any]) -> str:
    inputs = {label: digest for label, digest in row["inputs"] if label is not None}
    return calculation_hash(row["node_type"], row["process_type"], _attributes(row), inputs)
