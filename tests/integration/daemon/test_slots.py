"""A one-worker daemon with two process slots, on the real RabbitMQ.

Waiting parents need no slot, so a worker may hold many more processes than it has slots:
every one of them keeps a hold (an unacknowledged message) for as long as it runs. And a
worker takes only as many tasks as it has free slots, so a task that it cannot start
stays in the queue, where RabbitMQ's consumer_timeout does not apply."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from support.daemon import queued_tasks
from support.daemon_workflows import Sleepy, SlowParent, Ticker, wait_terminated, wait_until

import graphflow as gf

from .conftest import running_daemon

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from support.daemon import DaemonFixture

pytestmark = [pytest.mark.requires_rabbitmq, pytest.mark.usefixtures("backend")]

SLOTS = 2


@pytest.fixture(scope="module")
def narrow_daemon(graphflow_home: Path, amqp_url: str) -> Iterator[DaemonFixture]:
    with running_daemon(
        graphflow_home,
        amqp_url,
        workers=1,
        process_slots=SLOTS,
        broker_hold_ttl=2,
        broker_hold_renew=1,
    ) as daemon:
        yield daemon


def test_a_worker_holds_many_more_waiting_parents_than_it_has_slots(narrow_daemon) -> None:
    parents = [gf.submit(SlowParent, ticks=gf.Int(3)) for _ in range(3 * SLOTS)]
    finished = wait_terminated(parents, timeout=180)
    assert all(node.is_finished_ok for node in finished), [n.exit_message for n in finished]
    assert all(len(node.called) == 2 for node in finished)


def test_tasks_beyond_the_free_slots_stay_in_the_queue(narrow_daemon, tmp_path: Path) -> None:
    record = tmp_path / "sleepers.txt"
    sleepers = [
        gf.submit(Sleepy, seconds=gf.Int(6), record=gf.Str(str(record))) for _ in range(SLOTS)
    ]
    wait_until(
        lambda: all(gf.load_node(n.pk).process_state.value == "running" for n in sleepers),
        what="every slot taken",
    )
    waiting = [gf.submit(Ticker, ticks=gf.Int(2)) for _ in range(2)]
    time.sleep(1.5)  # ample time for the worker to take them if it would
    assert queued_tasks(narrow_daemon.broker) == len(waiting)
    assert all(gf.load_node(n.pk).process_state.value == "created" for n in waiting)
    finished = wait_terminated(sleepers + waiting, timeout=120)
    assert all(node.is_finished_ok for node in finished), [n.exit_message for n in finished]
