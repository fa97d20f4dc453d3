"""A parent's runner re-queues awaited children that no runner took, or whose runner died.

A daemon worker commits a step (the children's nodes, the parent's checkpoint) before it
publishes the children's tasks, so that a task never names a process that is not stored.
A worker killed between the two leaves children that exist but have no task; the worker
that resumes the parent must queue them, or the parent waits forever (seen in the chaos
test that SIGKILLs a worker). The in-process communicator stands in for RabbitMQ here;
tests/chaos/test_daemon_chaos.py runs the same recovery on the real one.
"""

from __future__ import annotations

import asyncio

import pytest
from support.daemon_workflows import Child

import graphflow as gf
from graphflow.broker import LocalCommunicator
from graphflow.engine._runner import Runner
from graphflow.orm import WriteScope, get_backend
from graphflow.orm._session import commit_scope

pytestmark = pytest.mark.usefixtures("backend")


def _stored_child() -> gf.WorkChain:
    """A child as a parent's step leaves it: stored, created, with no task."""
    child = Child({"x": gf.Int(1)})
    scope = WriteScope(gf._loop.call(get_backend()))
    child._write_creation(scope, with_parent_link=False)
    scope.update(child.node, {"checkpoint": child.initial_checkpoint()})
    gf._loop.call(commit_scope(scope))
    return child


async def _scenario(orphan: gf.WorkChain, published: gf.WorkChain) -> tuple[str, list[str]]:
    runner = Runner(await get_backend())
    communicator = LocalCommunicator()
    await runner.attach(communicator, publish_children=True)
    waiting = asyncio.ensure_future(runner._child_terminated(orphan.node.uuid))
    first = await asyncio.wait_for(communicator._queue.get(), timeout=30)

    runner._published.add(published.node.uuid)  # one this runner published itself
    waiting_too = asyncio.ensure_future(runner._child_terminated(published.node.uuid))
    await asyncio.sleep(0.5)
    queue = communicator._queue
    queued_again = [queue.get_nowait().uuid for _ in range(queue.qsize())]
    for task in (waiting, waiting_too):
        task.cancel()
    await runner.close()
    return first.uuid, queued_again


def test_an_awaited_child_that_no_runner_took_is_queued_again() -> None:
    orphan, published = _stored_child(), _stored_child()
    requeued, queued_again = gf._loop.call(_scenario(orphan, published))
    assert requeued == orphan.node.uuid
    assert queued_again == []  # a child this runner published is not published twice


def _owned_child(owner: str) -> gf.WorkChain:
    child = _stored_child()
    rows = gf._loop.call(_set_owner(child.node.uuid, owner))
    assert rows
    return child


async def _set_owner(uuid: str, owner: str) -> list[dict[str, object]]:
    from graphflow.store import query

    backend = await get_backend()
    return await backend.store.write(
        query("engine.claim_process"), uuid=uuid, previous=None, owner=owner
    )


async def _sweep_until_queued(children: list[gf.WorkChain]) -> list[str]:
    """Wait for ``children`` (a parent's runner would) until one is queued again."""
    runner = Runner(await get_backend())
    communicator = LocalCommunicator()
    await runner.attach(communicator, publish_children=True)
    waits = [asyncio.ensure_future(runner._child_terminated(c.node.uuid)) for c in children]
    queued = [(await asyncio.wait_for(communicator._queue.get(), 30)).uuid]
    queue = communicator._queue
    queued += [queue.get_nowait().uuid for _ in range(queue.qsize())]
    for wait in waits:
        wait.cancel()
    await runner.close()
    return queued


def test_an_awaited_child_of_a_dead_runner_is_queued_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its task should come back from the dead runner's hold; when it does not (and nobody
    takes the child over), the parent's sweep queues it again rather than wait forever."""
    import socket

    from graphflow.engine import _owner, _runner

    monkeypatch.setattr(_runner, "SWEEP_INTERVAL", 0.2)
    dead = _owned_child(f"{socket.gethostname()}:1:not-its-start-time")
    alive = _owned_child(_owner.this_owner())
    # queued once two sweeps in a row saw it orphaned; by then the live one was seen twice
    queued = gf._loop.call(_sweep_until_queued([dead, alive]))
    assert queued == [dead.node.uuid]
