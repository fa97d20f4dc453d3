"""Claiming a process for a task: a compare-and-set on its owner, on the real store.

A worker killed just after sending its claim can have that claim committed by the
server after it is gone, while its task is already back in the queue. The worker that
takes the task then read the process before that commit: its compare-and-set fails.
It must look again and take the process over from the dead owner, not drop the task.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from support.daemon_workflows import Ticker

import graphflow as gf
from graphflow import _loop
from graphflow.broker import LocalCommunicator, TaskMessage
from graphflow.daemon._worker import Worker
from graphflow.engine._owner import this_owner
from graphflow.engine._runner import get_runner
from graphflow.errors import ProcessError, ProcessStateError
from graphflow.orm import ProcessNode, WriteScope, get_backend
from graphflow.orm._session import commit_scope
from graphflow.store import query

if TYPE_CHECKING:
    from graphflow.orm import Backend

pytestmark = pytest.mark.usefixtures("backend")

#: an owner on this host whose pid never ran at that start time: a dead worker
DEAD = f"{socket.gethostname()}:1:not-its-start-time"


def _created_process(backend: Backend) -> ProcessNode:
    """A process stored as ``submit`` stores it (created, no owner), not queued anywhere."""
    process = Ticker({"ticks": gf.Int(1)})
    scope = WriteScope(backend)
    process._write_creation(scope)
    scope.update(process.node, {"checkpoint": process.initial_checkpoint()})
    _loop.call(commit_scope(scope))
    return process.node


async def _set_owner(backend: Backend, uuid: str, previous: str | None, owner: str) -> None:
    rows = await backend.store.write(
        query("engine.claim_process"), uuid=uuid, previous=previous, owner=owner
    )
    assert rows, "the setup's own claim must succeed"


def _worker(backend: Backend, communicator: LocalCommunicator | None = None) -> Worker:
    """A one-slot worker; the in-process communicator stands in for RabbitMQ (claiming a
    process of a dead owner on this host asks nobody)."""
    runner = _loop.call(get_runner(backend))
    return Worker(backend, runner, communicator or LocalCommunicator(), slots=1)  # type: ignore[arg-type]


def test_a_dead_workers_late_claim_is_taken_over(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = _loop.call(get_backend())
    node = _created_process(backend)
    worker = _worker(backend)
    read = Worker._claimable

    async def read_then_dead_claim_lands(self: Worker, task: TaskMessage, **options: Any) -> Any:
        seen = await read(self, task, **options)
        if seen is not None and seen.owner is None:
            await _set_owner(backend, task.uuid, None, DEAD)  # committed after our read
        return seen

    monkeypatch.setattr(Worker, "_claimable", read_then_dead_claim_lands)
    claimed = _loop.call(worker._claim(TaskMessage(node.uuid, node.pk)))
    assert claimed is not None, "the task was dropped: its process is left to a dead worker"
    assert claimed.owner == this_owner()
    assert gf.load_node(node.uuid).owner == this_owner()


def test_a_live_runners_claim_is_left_to_it() -> None:
    backend = _loop.call(get_backend())
    node = _created_process(backend)
    live = _live_other_owner()
    _loop.call(_set_owner(backend, node.uuid, None, live))
    assert _loop.call(_worker(backend)._claim(TaskMessage(node.uuid, node.pk))) is None
    assert gf.load_node(node.uuid).owner == live


def _live_other_owner() -> str:
    """The owner string of this host's pid 1: alive, and not this runner."""
    from graphflow.engine._owner import _start_time

    return f"{socket.gethostname()}:1:{_start_time(1)}"


class _Delivery:
    """A task delivery that records what the worker did with it."""

    def __init__(self, task: TaskMessage) -> None:
        self.task = task
        self.outcome: str | None = None

    async def ack(self) -> None:
        self.outcome = "acked"

    async def requeue(self) -> None:
        self.outcome = "requeued"


async def _deliver(worker: Worker, delivery: _Delivery) -> None:
    """Hand ``delivery`` to the worker and wait until it has taken it (or given up)."""
    await worker.on_task(delivery)  # type: ignore[arg-type]
    await asyncio.gather(*worker._tasks)


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (ProcessError("its class is gone"), "its class is gone"),
        (RuntimeError("a bug in taking tasks"), "a bug in taking tasks"),
    ],
)
def test_a_claimed_process_that_cannot_start_is_excepted_not_stranded(
    monkeypatch: pytest.MonkeyPatch, failure: Exception, message: str
) -> None:
    """Left as it was, it would stay claimed by this live worker, which the others leave
    alone: it would never run, and nobody would be told."""
    from graphflow.daemon import _worker as worker_module

    async def cannot_rebuild(backend: Backend, node: ProcessNode) -> Any:
        raise failure

    monkeypatch.setattr(worker_module, "rebuild", cannot_rebuild)
    backend = _loop.call(get_backend())
    node = _created_process(backend)
    communicator = LocalCommunicator()
    worker = _worker(backend, communicator)
    delivery = _Delivery(TaskMessage(node.uuid, node.pk))
    _loop.call(_deliver(worker, delivery))
    stored = gf.load_node(node.uuid)
    assert stored.is_excepted
    assert stored.exit_message == f"the daemon could not continue it: {message}"
    assert delivery.outcome == "acked"
    assert communicator.holds == []  # the hold is released


def test_taking_a_task_survives_the_cancellation_of_its_delivery(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """aio-pika delivers in a task of the channel, cancelled when the channel closes (a
    broker restart). A process claimed just before must still be started here: it is
    claimed by this live worker, so no other worker would ever take it."""
    backend = _loop.call(get_backend())
    node = _created_process(backend)
    worker = _worker(backend)
    started: list[str] = []
    claim = Worker._claim

    async def slow_claim(self: Worker, task: TaskMessage) -> ProcessNode | None:
        await asyncio.sleep(0.5)  # the channel closes meanwhile
        return await claim(self, task)

    async def rebuilt(backend: Backend, node: ProcessNode) -> Any:
        return node  # stands in for the process object

    def start(self: Worker, process: Any, node: ProcessNode, hold: Any) -> None:
        started.append(node.uuid)

    from graphflow.daemon import _worker as worker_module

    monkeypatch.setattr(Worker, "_claim", slow_claim)
    monkeypatch.setattr(worker_module, "rebuild", rebuilt)
    monkeypatch.setattr(Worker, "_start", start)

    async def delivered_then_channel_closes() -> None:
        delivery = _Delivery(TaskMessage(node.uuid, node.pk))
        consumer = asyncio.ensure_future(worker.on_task(delivery))  # type: ignore[arg-type]
        await asyncio.sleep(0.1)
        consumer.cancel()
        await asyncio.gather(consumer, return_exceptions=True)
        await asyncio.gather(*worker._tasks)

    _loop.call(delivered_then_channel_closes())
    assert started == [node.uuid]


def _job_on_another_host(backend: Backend, tmp_path: Any) -> ProcessNode:
    """A calculation whose job was uploaded by a worker of another host, with the local
    transport: its folder (and its process, once submitted) are that host's."""
    from support.calcjob_plugins import ShellJob

    from graphflow.orm import Code, Computer

    computer = Computer(
        f"local-{uuid.uuid4().hex[:8]}",
        hostname="localhost",
        transport="local",
        scheduler="direct",
        workdir=str(tmp_path),
    ).store()
    code = Code(label="bash", computer=computer, executable="/bin/bash").store()
    process = ShellJob({"code": code, "script": gf.Str("true")})
    scope = WriteScope(backend)
    process._write_creation(scope)
    scope.update(process.node, {"checkpoint": process.initial_checkpoint()})
    scope.update(process.node, process.node._job_update(job_host="far-away-host"))
    _loop.call(commit_scope(scope))
    return process.node


def test_a_local_job_of_another_host_goes_back_to_the_queue_unclaimed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Its work directory and its process are on the host that uploaded it: a worker of
    another host hands the task back (for a worker there), and claims nothing."""
    from graphflow.daemon import _worker as worker_module

    monkeypatch.setattr(worker_module, "ELSEWHERE_PAUSE", 0.0)
    backend = _loop.call(get_backend())
    node = _job_on_another_host(backend, tmp_path)
    delivery = _Delivery(TaskMessage(node.uuid, node.pk))
    _loop.call(_deliver(_worker(backend), delivery))
    assert delivery.outcome == "requeued"
    stored = gf.load_node(node.uuid)
    assert stored.owner is None
    assert stored.job_host == "far-away-host"
    _kill_in_store(backend, node.uuid)


def test_resuming_a_local_job_of_another_host_is_refused_naming_the_host(tmp_path: Any) -> None:
    backend = _loop.call(get_backend())
    node = _job_on_another_host(backend, tmp_path)
    runner = _loop.call(get_runner(backend))
    with pytest.raises(ProcessStateError, match="has its job on host 'far-away-host'"):
        _loop.call(runner.resume(gf.load_node(node.uuid)))
    assert gf.load_node(node.uuid).owner is None
    _kill_in_store(backend, node.uuid)


def _kill_in_store(backend: Backend, uuid: str) -> None:
    """End a process these tests made and never ran: a shared store (the Neo4j pass)
    would otherwise count it as lost in every later 'status' and 'process repair'."""
    killed = "MATCH (p:Node {uuid: $u}) SET p.process_state = 'killed'"
    _loop.call(backend.store.run_adhoc_write(killed, {"u": uuid}))
