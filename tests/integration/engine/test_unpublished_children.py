"""A parent resumed from its checkpoint re-queues awaited children that no runner took.

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
