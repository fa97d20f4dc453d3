"""Reads that many waiters need at the same moment, made as one query.

When a crowd of children ends together (a fan-in of ten thousand), every parent wakes up
and needs its children's nodes and outputs. One query per parent would take one pooled
connection each and queue the crowd behind the pool; here the requests made while the
loop is busy are gathered and read together, at most :data:`MOST_PER_READ` uuids per
query, as the group-commit writer gathers writes.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from graphflow.orm._load import node_from_record
from graphflow.orm._process import ProcessNode
from graphflow.store import query

if TYPE_CHECKING:
    from graphflow.orm._backend import Backend
    from graphflow.orm._nodes import Node

__all__ = ["MOST_PER_READ", "ProcessReader"]

#: uuids read by one query; a larger crowd is read in several
MOST_PER_READ = 500


class ProcessReader:
    """Loads process nodes with their outputs, gathering concurrent requests."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._wanted: dict[str, list[asyncio.Future[ProcessNode | None]]] = {}
        self._flushing = False
        self._reads: set[asyncio.Task[None]] = set()

    async def load(self, uuid: str) -> ProcessNode | None:
        """The process ``uuid`` (None if it does not exist), its outputs already read."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ProcessNode | None] = loop.create_future()
        self._wanted.setdefault(uuid, []).append(future)
        if not self._flushing:
            self._flushing = True
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._flushing = False
        wanted, self._wanted = self._wanted, {}
        uuids = list(wanted)
        for start in range(0, len(uuids), MOST_PER_READ):
            part = {uuid: wanted[uuid] for uuid in uuids[start : start + MOST_PER_READ]}
            task = asyncio.get_running_loop().create_task(self._read(part))
            self._reads.add(task)
            task.add_done_callback(self._reads.discard)

    async def _read(self, wanted: dict[str, list[asyncio.Future[ProcessNode | None]]]) -> None:
        try:
            rows = await self._backend.store.read(
                query("orm.get_processes_with_outputs"), uuids=list(wanted)
            )
            found = _processes(rows)
        except BaseException as exc:  # every waiter gets the failure, none waits forever
            for futures in wanted.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for uuid, futures in wanted.items():
            for future in futures:
                if not future.done():
                    future.set_result(found.get(uuid))


def _processes(rows: list[dict[str, Any]]) -> dict[str, ProcessNode]:
    nodes: dict[str, ProcessNode] = {}
    outputs: dict[str, dict[str, Node]] = {}
    for row in rows:
        uuid = row["node"]["uuid"]
        if uuid not in nodes:
            node = node_from_record(row["node"])
            if not isinstance(node, ProcessNode):
                continue
            nodes[uuid] = node
            outputs[uuid] = {}
        if row["output"] is not None:
            outputs[uuid][row["label"]] = node_from_record(row["output"])
    for uuid, node in nodes.items():
        if node.is_terminated:  # a running process's outputs may still grow
            node._set_links_cache(outputs=outputs[uuid])
    return nodes
