"""Parking: a worker keeps at most ``waiting_in_memory`` waiting work chains in memory and
gives the others up to the store, to be queued again when their children end.

Each test checks what a user sees: the parked process has no owner and records what it
waits for while its children run, then finishes once, with each step run once (one CALL
link per child, one report per step); a kill reaches a parked process and its children;
a parked process whose wake was lost (its children ended with nobody to queue it) is found
by ``process repair`` and by a worker's sweep when it starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from support.daemon import purge_tasks
from support.daemon_workflows import (
    GrandParent,
    RunsNested,
    SlowParent,
    wait_terminated,
    wait_until,
)

import graphflow as gf
from graphflow import control

from .conftest import running_daemon

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.requires_rabbitmq, pytest.mark.usefixtures("backend")]


def stored(uuid: str) -> dict[str, object]:
    """The parking marks and owner of a process, read from the store."""
    rows = gf.cypher(
        "MATCH (p:Node {uuid: $u}) RETURN p.owner AS owner, p.parked AS parked, "
        "p.parked_on AS parked_on, p.process_state AS state",
        u=uuid,
    )
    return rows[0]


def called(uuid: str) -> list[str]:
    rows = gf.cypher(
        "MATCH (:Node {uuid: $u})-[:CALL]->(c:Node) RETURN c.uuid AS uuid ORDER BY c.pk", u=uuid
    )
    return [row["uuid"] for row in rows]


def reports(node: gf.ProcessNode) -> list[str]:
    rows = gf.cypher(
        "MATCH (l:Log {process_uuid: $u}) RETURN l.message AS m ORDER BY l.time", u=node.uuid
    )
    return [row["m"] for row in rows]


def test_a_parked_parent_finishes_once(graphflow_home: Path, amqp_url: str) -> None:
    with running_daemon(graphflow_home, amqp_url, waiting_in_memory=0) as daemon:
        parent = gf.submit(SlowParent, ticks=gf.Int(40))
        marks = wait_until(
            lambda: (m := stored(parent.uuid))["parked"] is not None and m, 60, "the park"
        )
        kids = called(parent.uuid)
        assert len(kids) == 2
        assert marks["owner"] is None
        assert sorted(marks["parked_on"]) == sorted(kids)
        assert marks["state"] == "waiting"
        shown = daemon.cli("process", "show", str(parent.pk))
        assert "waiting (parked)" in shown.stdout, shown
        assert "until its 2 awaited children end" in shown.stdout
        assert "waiting (parked)" in daemon.cli("process", "list").stdout
        wait_until(  # the workers write their figures every few seconds
            lambda: sum(worker.get("parked") or 0 for worker in daemon.stats()) >= 1,
            30,
            "a worker counting the park",
        )
        [done] = wait_terminated([parent], timeout=120)
        assert done.is_finished_ok, done.exit_message
        assert called(parent.uuid) == kids  # the launch step ran once
        assert reports(done).count("2 tickers done") == 1
        after = stored(parent.uuid)
        assert after["parked"] is None
        assert after["parked_on"] is None
        assert "Traceback" not in daemon.logs()


def test_a_child_parked_while_its_parent_waits_in_memory(
    graphflow_home: Path, amqp_url: str
) -> None:
    """One worker keeps one waiting work chain: the grandparent stays, its child parks,
    and the grandparent, which waited for it in the same worker, wakes when it ends."""
    with running_daemon(graphflow_home, amqp_url, workers=1, waiting_in_memory=1) as daemon:
        top = gf.submit(GrandParent, ticks=gf.Int(30))
        [middle] = wait_until(lambda: called(top.uuid), 60, "the grandparent's child")
        wait_until(lambda: stored(middle)["parked"] is not None, 60, "the child's park")
        assert stored(top.uuid)["parked"] is None  # kept in memory, owned
        assert stored(top.uuid)["owner"] is not None
        [done] = wait_terminated([top], timeout=120)
        assert done.is_finished_ok, done.exit_message
        assert reports(done) == ["parent ended finished"]
        assert gf.load_node(middle).is_finished_ok
        assert "Traceback" not in daemon.logs()


def test_killing_a_parked_parent_kills_its_children(graphflow_home: Path, amqp_url: str) -> None:
    with running_daemon(graphflow_home, amqp_url, waiting_in_memory=0):
        parent = gf.submit(SlowParent, ticks=gf.Int(3000))
        wait_until(lambda: stored(parent.uuid)["parked"] is not None, 60, "the park")
        [result] = control.kill(parent, message="enough")
        assert result.done, result.message
        assert "parked" in result.message
        nodes = wait_terminated([parent, *(gf.load_node(k) for k in called(parent.uuid))], 60)
        assert [n.process_state.value for n in nodes] == ["killed"] * 3
        assert nodes[0].exit_message == "enough"
        assert stored(parent.uuid)["parked"] is None


def test_a_lost_wake_is_found_by_repair_and_by_a_starting_worker(
    graphflow_home: Path, amqp_url: str
) -> None:
    """The daemon stops while a parent is parked; its children are killed through the
    store, where no runner ends them, and the broker's note of the parent's wake is lost
    (its queue purged): repair names the parent, and a worker that starts queues it."""
    with running_daemon(graphflow_home, amqp_url, waiting_in_memory=0, outbox_grace=1) as daemon:
        parent = gf.submit(SlowParent, ticks=gf.Int(3000))
        wait_until(lambda: stored(parent.uuid)["parked"] is not None, 60, "the park")
        daemon.stop()
        kids = [gf.load_node(k) for k in called(parent.uuid)]
        for kid in kids:
            control.kill(kid, message="stopped by hand")
        assert [n.process_state.value for n in wait_terminated(kids, 30)] == ["killed"] * 2
        # the tickers' tasks, handed back at the stop, and the parent's, queued by the
        # last kill's wake (without it there would be two)
        assert purge_tasks(amqp_url) == 3
        assert stored(parent.uuid)["parked"] is not None
        found = daemon.cli("process", "repair", "--dry-run")
        assert found.returncode == 0, found.stderr
        assert str(parent.pk) in found.stdout, found.stdout
        daemon.start(1)
        [done] = wait_terminated([parent], timeout=120)
        assert done.is_finished_ok, done.exit_message
        assert reports(done).count("2 tickers done") == 1


def test_a_nested_run_is_never_parked(graphflow_home: Path, amqp_url: str) -> None:
    """A step's ``run`` waits for its process in the step: parking it would hand the step
    an unfinished process."""
    with running_daemon(graphflow_home, amqp_url, waiting_in_memory=0) as daemon:
        outer = gf.submit(RunsNested, ticks=gf.Int(10))
        [done] = wait_terminated([outer], timeout=120)
        assert done.is_finished_ok, done.exit_message
        assert reports(done) == ["nested ended finished"]
        assert "Traceback" not in daemon.logs()
