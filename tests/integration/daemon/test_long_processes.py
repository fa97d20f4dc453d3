"""Long processes on a RabbitMQ whose consumer_timeout (4 s) and heartbeat (2 s) are
lowered for the test: a step that runs far longer is neither cancelled nor run twice, and
the connection stays up (heartbeats answered) while steps block for 10 s."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from support.daemon_workflows import Busy, Sleepy, executions, wait_terminated
from support.rabbitmq import PrivateRabbitMQ

import graphflow as gf

from .conftest import running_daemon

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from support.daemon import DaemonFixture

pytestmark = [pytest.mark.requires_rabbitmq, pytest.mark.usefixtures("backend")]


@pytest.fixture(scope="module")
def strict_broker() -> Iterator[PrivateRabbitMQ]:
    broker = PrivateRabbitMQ(consumer_timeout_ms=4000, heartbeat=2)
    broker.start()
    try:
        assert broker.setting("consumer_timeout") == "{ok,4000}"
        assert broker.setting("heartbeat") == "{ok,2}"
        assert broker.setting("channel_tick_interval") == "{ok,1000}"
        yield broker
    finally:
        broker.remove()


@pytest.fixture(scope="module")
def daemon(graphflow_home: Path, strict_broker: PrivateRabbitMQ) -> Iterator[DaemonFixture]:
    # holds are renewed every second, well inside the 4 s consumer timeout
    with running_daemon(
        graphflow_home, strict_broker.url, broker_hold_ttl=2, broker_hold_renew=1
    ) as daemon:
        yield daemon


def test_steps_far_longer_than_the_consumer_timeout_run_once(daemon, tmp_path: Path) -> None:
    record = tmp_path / "sleepy.txt"
    sleeping = gf.submit(Sleepy, seconds=gf.Int(10), record=gf.Str(str(record)))
    crunching = gf.submit(Busy, seconds=gf.Int(10), record=gf.Str(str(record)))
    finished = wait_terminated([sleeping, crunching], timeout=120)
    assert all(node.is_finished_ok for node in finished), [n.exit_message for n in finished]
    assert sorted(executions(record)) == sorted([sleeping.uuid, crunching.uuid])  # once each
    logs = daemon.logs()
    # no delivery timed out, no connection was dropped for missed heartbeats
    assert "PRECONDITION_FAILED" not in logs
    assert "Reconnecting" not in logs
    assert "exited with" not in logs


def test_holds_dropped_by_a_short_consumer_timeout_are_noticed_and_held_again(
    graphflow_home: Path, strict_broker: PrivateRabbitMQ, tmp_path: Path
) -> None:
    """broker_hold_renew (600 s, the default) above the broker's consumer_timeout (4 s):
    RabbitMQ drops the worker's hold; the worker notices, holds the process again and
    renews faster, so when that worker is killed another one still takes the process
    over (issue 21: it was stranded until 'process repair')."""
    import time

    record = tmp_path / "sleepy.txt"
    with running_daemon(
        graphflow_home, strict_broker.url, broker_hold_ttl=2, broker_hold_renew=600
    ) as daemon:
        node = gf.submit(Sleepy, seconds=gf.Int(25), record=gf.Str(str(record)))
        deadline = time.monotonic() + 60
        while not executions(record):
            assert time.monotonic() < deadline, daemon.logs()
            time.sleep(0.2)
        # past the consumer timeout (4 s) and the broker's next check (1 s): dropped
        time.sleep(10)
        owner = gf.load_node(node.uuid).owner
        assert owner, "the process runs on a worker"
        daemon.kill_worker(int(owner.split(":")[1]))
        (finished,) = wait_terminated([node], timeout=120)
        assert finished.is_finished_ok, finished.exit_message
        assert executions(record).count(node.uuid) == 2  # once, then continued elsewhere
        assert "RabbitMQ dropped this runner's holds" in daemon.logs()
