"""50 work chains with children on a 2-worker daemon, disturbed mid-run: a worker killed
with SIGKILL, RabbitMQ restarted, the store server restarted. Every time all 50 finish ok
with the same provenance as an undisturbed run, and no step is written twice."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from typing import TYPE_CHECKING

import pytest
from support.daemon_workflows import Parent, wait_terminated
from support.provenance import fingerprint
from support.rabbitmq import PrivateRabbitMQ

import graphflow as gf

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from support.daemon import DaemonFixture

pytestmark = [pytest.mark.requires_rabbitmq, pytest.mark.usefixtures("backend")]

COUNT = 50
WAVE = 10  # parents submitted at a time (see run_batch)
_DAEMONS: list[DaemonFixture] = []  # the module's daemon, for the report of a hung run


@pytest.fixture(scope="module")
def broker() -> Iterator[PrivateRabbitMQ]:
    rabbit = PrivateRabbitMQ(consumer_timeout_ms=60_000, heartbeat=10)
    rabbit.start()
    try:
        yield rabbit
    finally:
        rabbit.remove()


@pytest.fixture(scope="module")
def daemon(graphflow_home: Path, broker: PrivateRabbitMQ) -> Iterator[DaemonFixture]:
    from integration.daemon.conftest import running_daemon

    with running_daemon(
        graphflow_home, broker.url, broker_hold_ttl=2, broker_hold_renew=5
    ) as fixture:
        _DAEMONS.append(fixture)
        try:
            yield fixture
        finally:
            _DAEMONS.remove(fixture)


def run_batch(disturb=None) -> list[list[tuple]]:  # type: ignore[no-untyped-def]
    """Submit the batch, disturbing it once under way (some parents done, others not);
    the parents' fingerprints once all ended. Submitting in waves keeps a disturbance
    mid-run on a loaded machine, where submitting can be slower than running."""
    nodes: list = []
    while len(nodes) < COUNT:
        nodes += [gf.submit(Parent, n=gf.Int(i)) for i in range(len(nodes), len(nodes) + WAVE)]
        if disturb is not None and _under_way(nodes):
            disturb()
            disturb = None
    if disturb is not None:  # all submitted before 5 were done
        deadline = time.monotonic() + 60
        while _finished(nodes) < 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _under_way(nodes), "the run could not be disturbed mid-way"
        disturb()
    try:
        finished = wait_terminated(nodes, timeout=200)  # well inside pytest's 300 s
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{_stuck_report(nodes)}") from None
    failed = [n for n in finished if not n.is_finished_ok]
    assert not failed, [(n.pk, n.process_state.value, n.exit_message) for n in failed]
    return sorted(fingerprint(n.uuid) for n in finished)


def _under_way(nodes) -> bool:  # type: ignore[no-untyped-def]
    return 5 <= _finished(nodes) < len(nodes)


def _finished(nodes) -> int:  # type: ignore[no-untyped-def]
    rows = gf.cypher(
        "UNWIND $u AS u MATCH (p:Process {uuid: u}) WHERE p.process_state = 'finished' "
        "RETURN count(p) AS n",
        u=[n.uuid for n in nodes],
    )
    return int(rows[0]["n"])


def _stuck_report(nodes) -> str:  # type: ignore[no-untyped-def]
    """What a hung run leaves to debug with: the unfinished processes of the batch (with
    their children), the workers' warnings and errors, and every line about them."""
    rows = gf.cypher(
        "UNWIND $u AS u MATCH (p:Process {uuid: u})-[:CALL*0..]->(q:Process) "
        "WHERE NOT q.process_state IN ['finished', 'excepted', 'killed'] "
        "RETURN q.pk AS pk, q.uuid AS uuid, q.process_label AS label, "
        "q.process_state AS state, q.paused AS paused, q.owner AS owner ORDER BY pk",
        u=[n.uuid for n in nodes],
    )
    daemon_logs = ""
    if _DAEMONS:
        daemon = _DAEMONS[-1]
        for pid in daemon.worker_pids():  # each logs where its tasks wait (log_tasks)
            with contextlib.suppress(ProcessLookupError):  # a SIGKILLed worker's stale file
                os.kill(pid, signal.SIGUSR1)
        time.sleep(2)
        daemon_logs = daemon.logs()
    lines = daemon_logs.splitlines()
    noisy = [line for line in lines if "WARNING" in line or "ERROR" in line]
    marks = [row["uuid"] for row in rows] + [f"pk {row['pk']}" for row in rows]
    about = [line for line in lines if any(mark in line for mark in marks)]
    return (
        f"unfinished: {rows}\nworker warnings and errors (last 80):\n"
        + "\n".join(noisy[-80:])
        + "\nlines about the unfinished processes (last 80):\n"
        + "\n".join(about[-80:])
    )


@pytest.fixture(scope="module")
def undisturbed(daemon) -> list[list[tuple]]:
    return run_batch()


def test_sigkill_a_worker_mid_run(daemon, undisturbed) -> None:
    victim = daemon.worker_pids()[0]
    assert run_batch(lambda: daemon.kill_worker(victim)) == undisturbed
    daemon.wait_for_workers(2, exclude={victim})


def test_restart_rabbitmq_mid_run(daemon, broker, undisturbed) -> None:
    assert run_batch(broker.restart) == undisturbed
    assert "reconnected to the broker" in daemon.logs()


def test_restart_the_store_server_mid_run(daemon, undisturbed) -> None:
    def restart_store() -> None:
        result = daemon.cli("store", "stop")
        assert result.returncode == 0, result.stderr

    assert run_batch(restart_store) == undisturbed
