"""Finding processes that nothing will ever run again, and queuing them anew.

A process that is not terminated should either be held by a live runner, have a task
waiting in the queue, or be parked until its children end (engine._parking). One with
none of these (after a broker was wiped, say), or parked with every child ended, is lost:
repair publishes a new task for it. A duplicate task is harmless: the worker that takes it finds
the process claimed by a live runner, or terminated, and drops it.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphflow.broker import RpcRequest, TaskMessage
from graphflow.engine._inspect import alist_processes
from graphflow.engine._messaging import communicator_for
from graphflow.engine._owner import owners_alive
from graphflow.engine._parking import ready_parked
from graphflow.orm import ProcessNode, get_backend

__all__ = ["RepairReport", "arepair"]


@dataclass(frozen=True, slots=True)
class RepairReport:
    """Processes found without a task or a live runner, and whether they were requeued."""

    lost: list[ProcessNode]
    requeued: bool
    checked: int


async def arepair(*, dry_run: bool = False, rpc_timeout: float = 2.0) -> RepairReport:
    backend = await get_backend()
    communicator = await communicator_for(backend.profile)
    active = await alist_processes(backend, limit=1_000_000)
    replies = await communicator.rpc(RpcRequest("holds"), wait=rpc_timeout, collect=True)
    held = {uuid for reply in replies for uuid in reply.data.get("uuids", [])}
    queued = set(await communicator.peek_tasks())
    alive = await owners_alive(backend.store, {node.owner for node in active})
    ready = {row["uuid"] for row in await ready_parked(backend)}
    lost = [
        node
        for node in active
        if node.uuid not in held
        and node.uuid not in queued
        and alive[node.owner] is not True
        and not (node.process_state.value == "created" and node.paused)
        and (node.parked_on is None or node.uuid in ready)
    ]
    if not dry_run:
        for node in lost:
            await communicator.publish_task(TaskMessage(node.uuid, node.pk))
    return RepairReport(
        sorted(lost, key=lambda n: n.pk or 0), requeued=not dry_run, checked=len(active)
    )
