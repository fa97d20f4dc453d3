"""Leases on the real store: a runner is alive while its lease is (engine._lease).

A host is simulated by the owner string of its runner (``host:pid:start``): the lease,
the process's owner and the claim are exactly what a worker there would write. Expiry is
the store server's (``timestamp()``), on both the embedded ArcadeDB and Neo4j.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from support.daemon_workflows import Ticker, wait_terminated, wait_until

import graphflow as gf
from graphflow import _loop, control
from graphflow.broker import LocalCommunicator, TaskMessage
from graphflow.clock import FakeClock
from graphflow.daemon._worker import Worker
from graphflow.engine import _lease
from graphflow.engine._lease import LeaseKeeper, lease_left, list_leases
from graphflow.engine._owner import owners_alive, this_owner
from graphflow.engine._runner import get_runner
from graphflow.errors import OwnershipLostError
from graphflow.orm import ProcessNode, WriteScope, get_backend
from graphflow.orm._session import commit_scope
from graphflow.store import Store, WriteBatch, query

from .conftest import running_daemon

if TYPE_CHECKING:
    from pathlib import Path

    from graphflow.orm import Backend


def _far_owner() -> str:
    """A runner of a host that is not this one (a new host name per test)."""
    return f"gf-far-{uuid.uuid4().hex[:8]}:4242:987654"


def _profile() -> str:
    """A profile name of the test's own, so the listing holds only the test's leases (the
    Neo4j pass shares one database between every profile)."""
    return f"lease-test-{uuid.uuid4().hex[:8]}"


def _keeper(store: Store, owner: str, profile: str, **options: Any) -> LeaseKeeper:
    figures = options.pop("figures", {"slots": 4, "busy": 1, "waiting": 0, "done": 0})
    return LeaseKeeper(store, owner=owner, profile=profile, figures=lambda: figures, **options)


def _created_process(backend: Backend) -> ProcessNode:
    """A process stored as ``submit`` stores it (created, no owner), not queued anywhere."""
    process = Ticker({"ticks": gf.Int(1)})
    scope = WriteScope(backend)
    process._write_creation(scope)
    scope.update(process.node, {"checkpoint": process.initial_checkpoint()})
    _loop.call(commit_scope(scope))
    return process.node


def _owned_by(backend: Backend, owner: str) -> ProcessNode:
    node = _created_process(backend)
    rows = _loop.call(
        backend.store.write(
            query("engine.claim_process"), uuid=node.uuid, previous=None, owner=owner
        )
    )
    assert rows, "the setup's own claim must succeed"
    node.owner = owner
    return node


def _worker(backend: Backend) -> Worker:
    """A one-slot worker; the in-process communicator stands in for RabbitMQ: nobody
    answers for another runner's processes, as a dead host would not."""
    runner = _loop.call(get_runner(backend))
    return Worker(backend, runner, LocalCommunicator(), slots=1)  # type: ignore[arg-type]


def _kill_in_store(backend: Backend, uuid: str) -> None:
    """End a process these tests made and never ran, so later 'status' and 'repair' of a
    shared store do not count it as lost."""
    killed = "MATCH (p:Node {uuid: $u}) SET p.process_state = 'killed'"
    _loop.call(backend.store.run_adhoc_write(killed, {"u": uuid}))


def test_a_lease_is_written_renewed_with_the_figures_and_ended(current_backend: Backend) -> None:
    store, profile, owner = current_backend.store, _profile(), _far_owner()
    clock = FakeClock()
    figures = {"slots": 4, "busy": 1, "waiting": 0, "done": 0}
    keeper = _keeper(store, owner, profile, figures=figures, seconds=30, renew=10, clock=clock)
    _loop.call(keeper.start())
    (row,) = _loop.call(list_leases(store, profile))
    assert (row.owner, row.host, row.pid, row.kind) == (owner, owner.split(":")[0], 4242, "worker")
    assert row.alive
    assert 25 < row.left <= 30
    assert (row.slots, row.busy, row.waiting, row.done) == (4, 1, 0, 0)

    figures.update(busy=3, waiting=2, done=5)
    _loop.call(clock.advance(10))  # the renewal is due: the keeper wakes and writes
    wait_until(lambda: keeper.renewals == 2, timeout=30, what="the lease renewed")
    (row,) = _loop.call(list_leases(store, profile))
    assert (row.busy, row.waiting, row.done) == (3, 2, 5)
    assert keeper.failures == 0

    _loop.call(keeper.stop())
    assert _loop.call(list_leases(store, profile)) == []  # ended: not a worker any more
    assert _loop.call(lease_left(store, [owner]))[owner] <= 0
    assert _loop.call(owners_alive(store, [owner])) == {owner: False}


def test_no_host_clock_goes_into_a_lease() -> None:
    """Expiry is reckoned on the store server's clock only: a renewal sends a length, never
    a time of the host's (whose clock may be off by any amount)."""
    assert query("engine.renew_lease").params == {
        "owner", "host", "pid", "profile", "kind", "ttl_ms", "slots", "busy", "waiting", "done",
    }  # fmt: skip
    assert "timestamp()" in query("engine.renew_lease").text
    assert query("engine.lease_left").params == {"owners"}


def test_a_lease_expires_on_the_servers_clock_to_the_millisecond(current_backend: Backend) -> None:
    store, owner = current_backend.store, _far_owner()
    keeper = _keeper(store, owner, _profile(), seconds=0.0)  # expires the instant it is written
    _loop.call(keeper.renew())
    assert _loop.call(owners_alive(store, [owner])) == {owner: False}
    keeper.seconds = 3600.0
    _loop.call(keeper.renew())  # renewed: alive again, the server says for an hour
    left = _loop.call(lease_left(store, [owner]))[owner]
    assert 3590 < left <= 3600
    assert _loop.call(owners_alive(store, [owner])) == {owner: True}
    _loop.call(keeper.stop())


def test_a_dead_hosts_process_is_taken_over_once_its_lease_expires_not_before(
    current_backend: Backend,
) -> None:
    """A task for a process whose owner's lease is unexpired, and who does not answer, is
    kept (not dropped: that orphaned it) until the lease expires; then it is taken over,
    and a late commit from the old owner is refused by the fence."""
    backend, far = current_backend, _far_owner()
    keeper = _keeper(backend.store, far, _profile(), seconds=2.0)
    _loop.call(keeper.renew())  # written once; then its host dies and nobody renews it
    node = _owned_by(backend, far)
    started = time.monotonic()
    claimed = _loop.call(_worker(backend)._claim(TaskMessage(node.uuid, node.pk)))
    waited = time.monotonic() - started
    assert isinstance(claimed, ProcessNode), f"the task was not kept: {claimed!r}"
    assert claimed.owner == this_owner()
    assert gf.load_node(node.uuid).owner == this_owner()
    assert waited >= 1.0, f"taken over after {waited:.2f} s, before its 2 s lease expired"
    assert _loop.call(lease_left(backend.store, [far]))[far] <= 0

    late = WriteBatch()  # the old owner comes back and commits its next step
    late.update(node.uuid, {"label": "a late step"})
    late.fence(node.uuid, far)
    with pytest.raises(OwnershipLostError, match=f"owned by {this_owner()} now, not by {far}"):
        _loop.call(backend.writer.write(late))
    assert gf.load_node(node.uuid).label != "a late step"
    _kill_in_store(backend, node.uuid)


def test_a_silent_owner_that_keeps_renewing_is_taken_over_after_a_whole_lease(
    current_backend: Backend,
) -> None:
    """A live runner that renews its lease but does not answer for a process for a whole
    lease does not run it: waiting for ever would strand the process."""
    backend, far = current_backend, _far_owner()
    keeper = _keeper(backend.store, far, _profile(), seconds=2.0, renew=0.5)
    _loop.call(keeper.start())
    try:
        node = _owned_by(backend, far)
        worker = _worker(backend)
        worker.lease_seconds, worker.recheck = 2.0, 0.5
        started = time.monotonic()
        claimed = _loop.call(worker._claim(TaskMessage(node.uuid, node.pk)))
        waited = time.monotonic() - started
        assert isinstance(claimed, ProcessNode)
        assert claimed.owner == this_owner()
        assert waited >= 2.0, f"taken over after {waited:.2f} s of silence, not a whole lease"
        assert _loop.call(owners_alive(backend.store, [far])) == {far: True}  # still renewing
    finally:
        _loop.call(keeper.stop())
    _kill_in_store(backend, node.uuid)


class _Delivery:
    """A task delivery that records what the worker did with it."""

    def __init__(self, task: TaskMessage) -> None:
        self.task = task
        self.outcome: str | None = None

    async def ack(self) -> None:
        self.outcome = "acked"

    async def requeue(self) -> None:
        self.outcome = "requeued"


def test_a_worker_that_stops_while_it_waits_for_a_lease_hands_the_task_back(
    current_backend: Backend,
) -> None:
    backend, far = current_backend, _far_owner()
    keeper = _keeper(backend.store, far, _profile(), seconds=600.0)
    _loop.call(keeper.renew())
    node = _owned_by(backend, far)
    worker = _worker(backend)
    delivery = _Delivery(TaskMessage(node.uuid, node.pk))

    async def deliver_then_stop() -> None:
        await worker.on_task(delivery)  # type: ignore[arg-type]
        await asyncio.sleep(1.0)  # waiting for the lease
        assert delivery.outcome is None, "the task was settled while its owner's lease runs"
        await worker.stop()

    _loop.call(deliver_then_stop())
    assert delivery.outcome == "requeued"
    assert gf.load_node(node.uuid).owner == far  # not claimed: the lease still runs
    _loop.call(keeper.stop())
    _kill_in_store(backend, node.uuid)


def test_renewals_that_fail_are_logged_and_the_lease_comes_back_with_the_store(
    current_backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    """The store away for longer than the lease: every failed renewal is logged as an
    error (never swallowed), the keeper carries on, and the first renewal once the store is
    back says that the lease had lapsed (its processes may have been taken over)."""
    store, profile, far = current_backend.store, _profile(), _far_owner()
    keeper = _keeper(store, far, profile, seconds=1.0, renew=0.3)
    away = Store("bolt://127.0.0.1:9", user="neo4j", password="nothing-here", database=None)
    _loop.call(keeper.start())
    caplog.set_level(logging.WARNING, logger="graphflow")
    try:
        keeper.store = away  # as if the store went away: connections refused
        wait_until(lambda: keeper.failures >= 3, timeout=60, what="failed renewals")
        assert _loop.call(owners_alive(store, [far])) == {far: False}  # lapsed meanwhile
        keeper.store = store
        renewed = keeper.renewals
        wait_until(lambda: keeper.renewals > renewed, timeout=30, what="a renewal")
        assert _loop.call(owners_alive(store, [far])) == {far: True}
    finally:
        _loop.call(keeper.stop())
        _loop.call(away.close())
    errors = [r.getMessage() for r in caplog.records if r.name == "graphflow.engine.lease"]
    assert sum("was not renewed" in message for message in errors) >= 3
    assert any("had expired before this renewal" in message for message in errors)


@pytest.mark.arcadedb_only
def test_renewal_carries_on_through_a_restart_of_the_embedded_store(
    current_backend: Backend,
) -> None:
    from graphflow.orm import embedded_server

    store, far = current_backend.store, _far_owner()
    keeper = _keeper(store, far, _profile(), seconds=30.0, renew=0.5)
    _loop.call(keeper.start())
    try:
        _loop.call(embedded_server(current_backend.profile).stop())  # the server goes away
        renewed = keeper.renewals
        wait_until(lambda: keeper.renewals >= renewed + 3, timeout=120, what="renewals")
        assert _loop.call(owners_alive(store, [far])) == {far: True}
    finally:
        _loop.call(keeper.stop())


def test_a_host_that_never_comes_back_is_listed_expired_then_forgotten(
    current_backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, profile = current_backend.store, _profile()
    gone, live = _far_owner(), _far_owner()
    _loop.call(_keeper(store, gone, profile, seconds=0.2).renew())
    time.sleep(0.5)
    rows = {row.owner: row for row in _loop.call(list_leases(store, profile))}
    assert set(rows) == {gone}
    assert not rows[gone].alive
    assert rows[gone].age >= 0.4

    monkeypatch.setattr(_lease, "LEASE_FORGET", 1.0)
    time.sleep(1.0)
    keeper = _keeper(store, live, profile)
    _loop.call(keeper.start())  # a worker's start forgets the long-expired leases
    try:
        assert [row.owner for row in _loop.call(list_leases(store, profile))] == [live]
    finally:
        _loop.call(keeper.stop())


def _row_of(output: str, host: str) -> str:
    """The line of ``daemon status`` about a worker of ``host``."""
    lines = [line for line in output.splitlines() if line.lstrip().startswith(f"{host} (")]
    assert len(lines) == 1, output
    return lines[0]


def test_status_shows_a_dead_hosts_worker_whose_process_a_live_daemon_takes_over(
    graphflow_home: Path, amqp_url: str
) -> None:
    """The whole path on a real daemon: host ``far`` wrote its lease, owns a process and
    dies. ``daemon status`` lists its worker beside this host's; its process's task is
    kept by this host's worker until the lease expires, then taken over and finished."""
    from graphflow.engine._messaging import communicator_for
    from graphflow.orm import get_backend

    with running_daemon(graphflow_home, amqp_url, workers=1) as daemon:
        backend = _loop.call(get_backend())
        far = _far_owner()
        far_host = far.split(":")[0]
        keeper = _keeper(backend.store, far, daemon.profile, seconds=8.0)
        _loop.call(keeper.renew())  # its last renewal: the host dies now
        node = _owned_by(backend, far)

        status = daemon.cli("daemon", "status")
        assert status.returncode == 0, status.stdout + status.stderr
        assert "(1 other: " + far_host + ")" in status.stdout
        assert "running" in _row_of(status.stdout, far_host)
        assert "other host" in _row_of(status.stdout, far_host)
        here = _row_of(status.stdout, socket.gethostname())
        assert "this host" in here
        assert "running" in here
        assert "0/50" in here  # this host's worker's figures, from its lease

        async def publish() -> float:
            communicator = await communicator_for(backend.profile)
            await communicator.publish_task(TaskMessage(node.uuid, node.pk))
            return (await lease_left(backend.store, [far]))[far]

        published = time.monotonic()
        left = _loop.call(publish())
        (done,) = wait_terminated([node], timeout=120)
        took = time.monotonic() - published
        print(f"\nlease had {left:.1f} s left at the task; taken over and finished in {took:.1f} s")
        assert done.is_finished_ok, done.process_state
        assert took >= left - 0.5, "taken over before the dead host's lease expired"
        assert "its lease has" in daemon.logs()  # the worker kept the task meanwhile

        status = daemon.cli("daemon", "status")
        assert "expired" in _row_of(status.stdout, far_host)
        assert "1 lease of workers expired" in status.stdout


LEASED_SCRIPT = """
import time
import graphflow as gf

class Slow(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.start, cls.wait)
    def start(self):
        print("pk", self.node.pk, flush=True)
    def wait(self):
        time.sleep(120)

gf.run(Slow)
"""


@pytest.mark.neo4j_only
def test_a_script_on_a_shared_store_keeps_a_lease_that_expires_when_it_dies(
    tmp_path: Path,
) -> None:
    """Other hosts judge a process by its owner's lease: a script's runner keeps one too
    (on Neo4j; the embedded ArcadeDB serves one host), and it lapses once the script is
    killed, so its processes can be taken over from any host."""
    from support.stores import profile_store_options

    from graphflow import config

    profile = _profile()
    config.setup_profile(profile, **profile_store_options())
    config.update_profile(profile, options={"lease_seconds": 4, "lease_renew": 1})
    script = tmp_path / "slow.py"
    script.write_text(LEASED_SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "GRAPHFLOW_PROFILE": profile},
    )
    try:
        assert proc.stdout is not None
        pk = int(proc.stdout.readline().removeprefix("pk "))
        rows = "MATCH (p:Node {pk: $pk}) RETURN p.owner AS owner"
        owner = wait_until(  # its creation commits while its first step runs
            lambda: (found := gf.cypher(rows, pk=pk)) and found[0]["owner"], 30, "its creation"
        )
        assert owner is not None
        assert f":{proc.pid}:" in owner
        store = _loop.call(get_backend()).store
        [lease] = _loop.call(list_leases(store, profile))
        assert (lease.owner, lease.kind, lease.pid, lease.alive) == (
            owner,
            "interpreter",
            proc.pid,
            True,
        )
        time.sleep(2)  # renewed past its first 4 s
        assert _loop.call(lease_left(store, [owner]))[owner] > 0
    finally:
        proc.kill()
        proc.wait(timeout=30)
    wait_until(lambda: _loop.call(lease_left(store, [owner]))[owner] <= 0, 15, "the lease's expiry")
    # its owner is dead now: killed through the store, so that no later test of this
    # session's shared database finds it waiting for a runner
    control.kill(pk, message="the test is over")
    assert gf.load_node(pk).process_state.value == "killed"
