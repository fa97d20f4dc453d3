"""The daemon on the real RabbitMQ: submit, RPC control, broadcasts, bad messages."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import signal
import subprocess
import uuid
from pathlib import Path

import aio_pika
import psutil
import pytest
from support.daemon import GRAPHFLOW, current_queue_prefix
from support.daemon_workflows import (
    Extreme,
    Parent,
    Sleepy,
    SlowParent,
    Ticker,
    executions,
    wait_terminated,
    wait_until,
)

import graphflow as gf
from graphflow import control

pytestmark = [pytest.mark.requires_rabbitmq, pytest.mark.usefixtures("backend")]


def test_submit_returns_the_stored_node_at_once_and_workers_run_it(daemon) -> None:
    nodes = [gf.submit(Parent, n=gf.Int(i)) for i in range(5)]
    for node in nodes:
        assert node.is_stored
        assert node.process_state.value == "created"
    finished = wait_terminated(nodes)
    for i, node in enumerate(finished):
        assert node.is_finished_ok, node.exit_message
        assert node.outputs.sum.value == 2 * (3 * i + 3)
        assert len(node.called) == 4  # three children and the summing calcfunction
        assert all(child.is_finished_ok for child in node.called)


def test_values_at_the_edges_fail_only_their_own_process(daemon) -> None:
    """2**200 is stored exactly; 10 MB of text fails its process with the reason; a
    worker that saw both keeps running and storing processes."""
    exact = gf.submit(Extreme, base=gf.Int(2), exponent=gf.Int(200), size=gf.Int(10))
    too_big = gf.submit(Extreme, base=gf.Int(2), exponent=gf.Int(64), size=gf.Int(10_000_000))
    exact, too_big = wait_terminated([exact, too_big])
    assert exact.is_finished_ok, exact.exit_message
    assert exact.outputs.number.value == 2**200
    assert too_big.process_state.value == "excepted"
    assert "Str of 10,000,000 characters" in too_big.exit_message
    later = wait_terminated([gf.submit(Parent, n=gf.Int(1)) for _ in range(4)])
    assert all(node.is_finished_ok for node in later)


def test_pause_play_and_kill_over_rpc(daemon) -> None:
    node = gf.submit(Ticker, ticks=gf.Int(400))
    wait_until(lambda: gf.load_node(node.pk).process_state.value == "running", what="running")
    (result,) = control.pause(node.pk)
    assert result.done, result.message
    wait_until(lambda: gf.load_node(node.pk).paused, what="paused in the store")
    (result,) = control.play(node.pk)
    assert result.done
    wait_until(lambda: not gf.load_node(node.pk).paused, what="played")
    (result,) = control.kill(node.pk, message="enough ticking")
    assert result.done
    (final,) = wait_terminated([node])
    assert final.is_killed
    assert final.exit_message == "enough ticking"


def test_killing_a_parent_kills_its_children_on_other_workers(daemon) -> None:
    parent = gf.submit(SlowParent, ticks=gf.Int(2000))

    def children() -> list:
        return [n for n in gf.load_node(parent.pk).called if n.process_state.value == "running"]

    wait_until(lambda: len(children()) == 2, what="both children running")
    kids = children()
    (result,) = control.kill(parent.pk, message="stop the family")
    assert result.done, result.message
    final = wait_terminated([parent, *kids])
    assert [node.process_state.value for node in final] == ["killed"] * 3
    assert all("was killed" in node.exit_message for node in final[1:]), [
        node.exit_message for node in final
    ]


def test_control_of_a_queued_process_goes_through_the_store(daemon) -> None:
    daemon.cli("daemon", "stop")
    try:
        node = gf.submit(Ticker, ticks=gf.Int(3))
        (result,) = control.kill(node.pk)
        assert "queued" in result.message
        assert gf.load_node(node.pk).is_killed
    finally:
        daemon.start(2)
    # the worker that takes its task finds it terminated, acknowledges and moves on
    wait_until(lambda: "already killed: acknowledged" in daemon.logs(), what="the task dropped")
    assert gf.load_node(node.pk).is_killed


def test_watch_prints_live_state_changes(daemon) -> None:
    node = gf.submit(SlowParent, ticks=gf.Int(40))
    watch = daemon.cli("process", "watch", str(node.pk), timeout=120)
    assert watch.returncode == 0, watch.stderr
    lines = watch.stdout.splitlines()
    assert any("SlowParent" in line and "finished" in line for line in lines), watch.stdout
    tickers = [line for line in lines if "Ticker" in line and "finished" in line]
    assert len(tickers) == 2, watch.stdout


def test_watch_on_a_terminal_redraws_the_call_tree_until_it_ends(daemon) -> None:
    """In a real terminal (tmux): the tree is drawn while the process runs, with elapsed
    times, updated in place as children finish, and watch ends by itself."""
    node = gf.submit(SlowParent, ticks=gf.Int(60))
    socket = f"gfwatch-{uuid.uuid4().hex[:8]}"
    names = ("GRAPHFLOW_HOME", "GRAPHFLOW_PROFILE", "GRAPHFLOW_BROKER", "PYTHONPATH", "PATH")
    exported = {name: daemon.env()[name] for name in names}
    command = " ".join(
        [
            "env",
            *(shlex.quote(f"{k}={v}") for k, v in exported.items()),
            shlex.quote(GRAPHFLOW),
            "process",
            "watch",
            str(node.pk),
            "; echo WATCH-ENDED $?; sleep 120",
        ]
    )
    tmux = ["tmux", "-L", socket]
    subprocess.run([*tmux, "new-session", "-d", "-x", "160", "-y", "40", command], check=True)

    def screen() -> str:
        return subprocess.run(
            [*tmux, "capture-pane", "-p"], capture_output=True, text=True, check=True
        ).stdout

    try:
        live = re.compile(rf"SlowParent <{node.pk}> (running|waiting) \d+\.\d s")
        wait_until(lambda: live.search(screen()), what="the live tree of a running process")
        wait_until(lambda: "WATCH-ENDED" in screen(), what="watch ending by itself", timeout=120)
        final = screen()
        assert "WATCH-ENDED 0" in final, final
        assert re.search(rf"SlowParent <{node.pk}> finished \d", final), final
        assert len(re.findall(r"Ticker <\d+> finished", final)) == 2, final
        assert final.count(f"SlowParent <{node.pk}>") == 1, final  # redrawn, not appended
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)


def test_pause_and_play_while_children_run_lets_the_parent_finish(daemon) -> None:
    """A new user found it: paused while waiting for its children and played again before
    they ended, a parent in the daemon stayed waiting for good (its shared wait for a
    child run by another worker had been cancelled by the pause). Several parents, so
    that some children run in the other worker."""
    parents = [gf.submit(SlowParent, ticks=gf.Int(60)) for _ in range(4)]

    def all_waiting() -> bool:
        fresh = [gf.load_node(p.pk) for p in parents]
        return all(len(p.called) == 2 and p.process_state.value == "waiting" for p in fresh)

    wait_until(all_waiting, what="every parent waiting for its two children")
    for parent in parents:
        (paused,) = control.pause(parent.pk)
        assert paused.done, paused.message
        (played,) = control.play(parent.pk)
        assert played.done, played.message
    for done in wait_terminated(parents, timeout=180):
        assert done.is_finished_ok, (done.process_state, done.exit_message)
        assert all(child.is_finished_ok for child in done.called)


def test_unknown_pk_is_a_clear_error(daemon) -> None:
    result = daemon.cli("process", "kill", "987654321")
    assert result.returncode != 0
    assert "no node with pk 987654321" in result.stdout + result.stderr


def _publish_raw(daemon, body: bytes) -> None:
    prefix = current_queue_prefix()

    async def publish() -> None:
        connection = await aio_pika.connect(daemon.broker)
        async with connection:
            channel = await connection.channel()
            exchange = await channel.get_exchange(f"{prefix}.tasks")
            await exchange.publish(aio_pika.Message(body, delivery_mode=2), routing_key="task")

    asyncio.run(publish())


def test_malformed_and_stale_tasks_are_handled(daemon) -> None:
    from graphflow.broker import TaskMessage, encode

    malformed = "rejected a malformed task"
    stale = "does not exist: acknowledged"
    seen = {phrase: daemon.logs().count(phrase) for phrase in (malformed, stale)}
    _publish_raw(daemon, b"this is not a task")
    _publish_raw(daemon, encode(TaskMessage(str(uuid.uuid4()), 1)))
    for phrase, what in ((malformed, "dead-lettering"), (stale, "the stale task dropped")):
        wait_until(lambda p=phrase: daemon.logs().count(p) > seen[p], what=what)
    # the workers are alive and still work
    (node,) = wait_terminated([gf.submit(Ticker, ticks=gf.Int(2))])
    assert node.is_finished_ok
    assert len(daemon.worker_pids()) == 2


def test_a_crashed_worker_is_restarted_and_its_processes_continue(daemon, tmp_path: Path) -> None:
    record = tmp_path / "record.txt"
    nodes = [gf.submit(Sleepy, seconds=gf.Int(3), record=gf.Str(str(record))) for _ in range(4)]
    wait_until(lambda: len(executions(record)) == 4, what="all four started")
    victims = daemon.worker_pids()
    daemon.kill_worker(victims[0])
    daemon.wait_for_workers(2, exclude={victims[0]})
    # the supervisor removes the statistics the killed worker could not remove itself
    wait_until(lambda: victims[0] not in daemon.worker_pids(), what="the dead worker forgotten")
    finished = wait_terminated(nodes)
    assert all(n.is_finished_ok for n in finished)
    runs = executions(record)
    # the processes of the killed worker ran again from their checkpoint (before the
    # step), each exactly once more; none of the survivor's ran twice
    assert sorted(set(runs)) == sorted(n.uuid for n in nodes)
    assert 4 <= len(runs) <= 8
    assert "exited with" in daemon.logs()


def test_a_stuck_worker_is_shown_unhealthy_then_replaced_and_its_processes_continue(
    daemon, tmp_path: Path
) -> None:
    """SIGSTOP freezes a worker's loop: it writes no statistics and renews no holds.
    ``daemon status`` says so, the supervisor kills it after a minute and starts another,
    and its processes finish elsewhere."""
    record = tmp_path / "record.txt"
    nodes = [gf.submit(Sleepy, seconds=gf.Int(1), record=gf.Str(str(record))) for _ in range(4)]
    wait_until(lambda: len(executions(record)) >= 4, what="all four started")
    victim = daemon.worker_pids()[0]
    os.kill(victim, signal.SIGSTOP)
    try:

        def unhealthy() -> str:
            out = daemon.cli("daemon", "status").stdout
            return out if "unhealthy" in out else ""

        status = wait_until(unhealthy, timeout=60, what="the frozen worker shown unhealthy")
        assert "its loop is stuck" in " ".join(status.split())  # rich may wrap it
        daemon.wait_for_workers(2, exclude={victim}, timeout=120)
        wait_until(lambda: not psutil.pid_exists(victim), what="the frozen worker killed")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGCONT)
    finished = wait_terminated(nodes, timeout=180)
    assert all(n.is_finished_ok for n in finished)
    assert "its loop is stuck; killing it" in daemon.logs()


def test_two_daemon_starts_at_once_give_one_daemon(daemon) -> None:
    daemon.cli("daemon", "stop")
    procs = [
        subprocess.Popen(
            [daemon_cli(), "daemon", "start", "1"],
            env=daemon.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    assert sum("already running" in out for out, _ in outputs) == 1
    status = daemon.cli("daemon", "status")
    assert status.stdout.count("running") >= 1
    daemon.cli("daemon", "stop")
    daemon.start(2)


def daemon_cli() -> str:
    from support.daemon import GRAPHFLOW

    return GRAPHFLOW


def test_status_shows_the_daemon(daemon) -> None:
    result = daemon.cli("status")
    assert result.returncode == 0, result.stderr
    assert "running: 2 workers" in result.stdout
    daemon_status = daemon.cli("daemon", "status")
    assert "MiB" in daemon_status.stdout
    assert "/50" in daemon_status.stdout  # slots used of 50


def test_incr_decr_restart_and_logs(daemon) -> None:
    def workers() -> int:
        result = daemon.cli("status")
        assert result.returncode == 0, result.stderr
        match = re.search(r"running: (\d+) workers?", result.stdout)
        assert match, result.stdout
        return int(match.group(1))

    assert workers() == 2
    assert daemon.cli("daemon", "incr", "1").returncode == 0
    wait_until(lambda: len(live_workers(daemon)) == 3, what="a third worker")
    assert workers() == 3
    assert daemon.cli("daemon", "decr", "2").returncode == 0
    wait_until(lambda: workers() == 1, what="one worker left")
    before = live_workers(daemon)
    restarted = daemon.cli("daemon", "restart")
    assert restarted.returncode == 0, restarted.stderr
    wait_until(lambda: live_workers(daemon) - before, what="a new worker after the restart")
    assert not before & live_workers(daemon), "restart kept an old worker"
    logs = daemon.cli("daemon", "logs")
    assert logs.returncode == 0, logs.stderr
    assert "ready:" in logs.stdout  # the workers' start lines
    daemon.cli("daemon", "stop")
    daemon.start(2)


def live_workers(daemon) -> set[int]:  # type: ignore[no-untyped-def]
    """Worker pids that run now (a worker killed hard may leave its stats file behind)."""
    alive = set()
    for pid in daemon.worker_pids():
        with contextlib.suppress(psutil.NoSuchProcess):
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.add(pid)
    return alive


def test_the_broker_password_is_in_no_environment_of_the_daemon(daemon) -> None:
    """GRAPHFLOW_BROKER reaches the daemon as a 0600 file; the supervisor's and workers'
    environments (which every job and command they start inherits) do not hold it."""
    from urllib.parse import urlsplit

    password = urlsplit(daemon.broker).password
    assert password, "the suite's broker URL carries a password"
    pids = daemon.worker_pids()
    supervisor = int((daemon.daemon_dir / "supervisor.pid").read_text().split()[0])
    for pid in [supervisor, *pids]:
        entries = Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
        variables = dict(entry.partition("=")[::2] for entry in entries if entry)
        variables.pop("GRAPHFLOW_TEST_AMQP_URL", None)  # the suite's own, not graphflow's
        assert "GRAPHFLOW_BROKER" not in variables
        assert not [name for name, value in variables.items() if f":{password}@" in value]
    broker_file = daemon.daemon_dir / "broker.url"
    assert broker_file.stat().st_mode & 0o777 == 0o600
    node = gf.submit(Ticker, ticks=gf.Int(1))  # the workers still reach the broker
    assert wait_terminated([node])[0].is_finished_ok
