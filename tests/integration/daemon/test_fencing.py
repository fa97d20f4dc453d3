"""A runner that lost a process writes nothing of it (issue 24, item 5: fencing).

When another runner takes a process over (its owner looked dead: a host cut off, a
worker paused for longer than its lease), the first may still be running a step. Every
write of a process carries its owner as a fence, checked in the same transaction: a
late write from the old owner is refused whole, and that runner lets the process go.
On the real store, both passes (on Neo4j the fence takes the node's write lock first).
"""

from __future__ import annotations

import asyncio
import threading
import uuid as uuid_module
from typing import TYPE_CHECKING, Any

import pytest

import graphflow as gf
from graphflow import _loop
from graphflow.engine._owner import this_owner
from graphflow.engine._runner import get_runner
from graphflow.errors import OwnershipLostError
from graphflow.orm import Int, WriteScope, get_backend, load_node
from graphflow.orm._session import commit_scope
from graphflow.store import WriteBatch, query

if TYPE_CHECKING:
    from collections.abc import Iterator

    from graphflow.orm import Backend, ProcessNode

pytestmark = pytest.mark.usefixtures("backend")

ELSEWHERE = "another-host:4242:1"


def _stored_process(backend: Backend, process: gf.WorkChain) -> ProcessNode:
    """A process stored as ``submit`` stores it: created, no owner."""
    scope = WriteScope(backend)
    process._write_creation(scope)
    scope.update(process.node, {"checkpoint": process.initial_checkpoint()})
    _loop.call(commit_scope(scope))
    return process.node


def _claim(backend: Backend, uuid: str, previous: str | None, owner: str) -> None:
    rows = _loop.call(
        backend.store.write(
            query("engine.claim_process"), uuid=uuid, previous=previous, owner=owner
        )
    )
    assert rows, "the test's own claim must succeed"


@pytest.fixture(autouse=True)
def _end_what_the_test_left() -> Iterator[None]:
    """The processes these tests store never run to an end: mark them killed after each
    test, or every later 'status' and 'process repair' on a shared store (the Neo4j
    pass) would count them as lost."""
    started = set(_unended())
    yield
    left = sorted(set(_unended()) - started)
    if left:
        store = _loop.call(get_backend()).store
        killed = "MATCH (p:Node) WHERE p.uuid IN $uuids SET p.process_state = 'killed'"
        _loop.call(store.run_adhoc_write(killed, {"uuids": left}))


def _unended() -> list[str]:
    rows = gf.cypher(
        "MATCH (p:Process) WHERE p.process_label IN ['Once', 'Blocked'] "
        "AND NOT p.process_state IN ['finished', 'excepted', 'killed'] RETURN p.uuid AS uuid"
    )
    return [row["uuid"] for row in rows]


def _props(uuid: str) -> dict[str, Any]:
    (row,) = gf.cypher("MATCH (n:Node {uuid: $u}) RETURN properties(n) AS p", u=uuid)
    return dict(row["p"])


class Once(gf.WorkChain):
    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.input("x", valid_type=gf.Int)
        spec.outline(cls.step)

    def step(self) -> None:
        pass


def test_a_write_fenced_by_an_owner_that_lost_the_process_is_refused_whole(
    current_backend: Backend,
) -> None:
    backend = current_backend
    node = _stored_process(backend, Once({"x": gf.Int(1)}))
    _claim(backend, node.uuid, None, this_owner())

    mine = WriteBatch()
    mine.fence(node.uuid, this_owner())
    mine.update(node.uuid, {"label": "written by its owner"})
    _loop.call(backend.writer.write(mine))

    _claim(backend, node.uuid, this_owner(), ELSEWHERE)  # taken over
    newcomer = Int(7)
    late_scope = WriteScope(backend)
    late_scope.add_nodes([newcomer])
    late = late_scope.take().batch
    late.update(node.uuid, {"label": "a late write"})
    late.fence(node.uuid, this_owner())
    other = _stored_process(backend, Once({"x": gf.Int(2)}))
    neighbour = WriteBatch()  # another process's write, committed in the same group
    neighbour.update(other.uuid, {"label": "a neighbour"})

    async def both() -> list[BaseException | None]:
        outcomes = await asyncio.gather(
            backend.writer.submit(late), backend.writer.submit(neighbour), return_exceptions=True
        )
        return list(outcomes)

    refused, landed = _loop.call(both())
    assert isinstance(refused, OwnershipLostError)
    assert f"process {node.uuid} is owned by {ELSEWHERE} now, not by {this_owner()}" in str(refused)
    assert landed is None
    assert _props(node.uuid)["label"] == "written by its owner"
    assert gf.cypher("MATCH (n:Node {uuid: $u}) RETURN n", u=newcomer.uuid) == []
    assert _props(other.uuid)["label"] == "a neighbour"


def test_a_fence_on_a_process_nobody_owns_is_refused(current_backend: Backend) -> None:
    backend = current_backend
    node = _stored_process(backend, Once({"x": gf.Int(3)}))
    batch = WriteBatch()
    batch.fence(node.uuid, this_owner())
    batch.update(node.uuid, {"label": "not mine"})
    with pytest.raises(OwnershipLostError, match="owned by nobody now"):
        _loop.call(backend.writer.write(batch))


entered = threading.Event()
release = threading.Event()
made: list[str] = []


class Blocked(gf.WorkChain):
    """A step that waits for the test, then computes and stores."""

    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.input("x", valid_type=gf.Int)
        spec.outline(cls.first, cls.second)

    def first(self) -> None:
        self.ctx.seen = 1

    def second(self) -> None:
        entered.set()
        assert release.wait(60), "the test never released the step"
        result = Double(x=self.inputs.x)
        made.append(result.uuid)


@gf.calcfunction
def Double(x: gf.Int) -> gf.Int:  # noqa: N802  (named like the classes it sits with)
    return gf.Int(x.value * 2)


def _first_step_stored(uuid: str) -> dict[str, Any]:
    """The node once the first step's write landed (writes are not waited for)."""
    for _ in range(300):
        props = _props(uuid)
        if '"seen"' in props.get("checkpoint", ""):
            return props
        _loop.call(asyncio.sleep(0.1))
    raise AssertionError(f"the first step of {uuid} was never stored")


def test_a_runner_cut_off_mid_step_writes_nothing_more_and_lets_the_process_go(
    current_backend: Backend,
) -> None:
    backend = current_backend
    entered.clear()
    release.clear()
    made.clear()
    node = _stored_process(backend, Blocked({"x": gf.Int(uuid_module.uuid4().int % 1000)}))
    runner = _loop.call(get_runner(backend))
    handle = _loop.call(runner.resume(load_node(node.uuid)))
    assert entered.wait(60), "the step never started"
    before = _first_step_stored(node.uuid)
    _claim(backend, node.uuid, this_owner(), ELSEWHERE)  # another host takes it over
    release.set()
    _loop.call(asyncio.wait_for(asyncio.shield(handle.terminated), 60))

    assert handle.taken_over
    after = _props(node.uuid)
    assert after["owner"] == ELSEWHERE
    assert after["process_state"] == before["process_state"] == "running"
    assert after["checkpoint"] == before["checkpoint"]  # the second step is not recorded
    assert after.get("exit_status") is None
    assert made, "the step did not run on"
    assert gf.cypher("MATCH (n:Node {uuid: $u}) RETURN n", u=made[0]) == []
