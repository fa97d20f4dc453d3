"""submit without a broker, with an unreachable broker, and repair after a broker wipe."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import aio_pika
import pytest
from support.daemon import DaemonFixture, current_queue_prefix
from support.daemon_workflows import Ticker, wait_terminated

import graphflow as gf
from graphflow.errors import BrokerUnavailableError, ProcessError

from .conftest import SUPPORT, leave_profile, use_profile_with_broker

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.usefixtures("backend")


def count(label: str) -> int:
    return gf.cypher("MATCH (p:WorkChain {process_label: $l}) RETURN count(p) AS n", l=label)[0][
        "n"
    ]


def test_submit_without_a_broker_says_how_to_configure_one() -> None:
    before = count("Ticker")
    with pytest.raises(ProcessError) as info:
        gf.submit(Ticker, ticks=gf.Int(1))
    message = str(info.value)
    assert "graphflow profile set-broker" in message
    assert "run() works without a broker" in message
    assert count("Ticker") == before  # nothing stored


def test_unreachable_broker_leaves_no_half_submitted_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRAPHFLOW_BROKER", "amqp://guest:guest@127.0.0.1:1/")
    with pytest.raises(BrokerUnavailableError) as info:
        gf.submit(Ticker, ticks=gf.Int(1))
    assert "could not be queued, and is marked killed" in str(info.value)
    assert "127.0.0.1:1" in str(info.value)
    pk = int(str(info.value).split("pk ")[1].split()[0].rstrip(":"))
    node = gf.load_node(pk)
    assert node.is_killed
    assert node.exit_message.startswith("not submitted:")


@pytest.mark.requires_rabbitmq
def test_repair_requeues_processes_whose_tasks_were_lost(
    graphflow_home: Path, amqp_url: str
) -> None:
    name = use_profile_with_broker(graphflow_home, amqp_url, broker_hold_ttl=2, broker_hold_renew=1)
    daemon = DaemonFixture(graphflow_home, name, amqp_url, [SUPPORT])
    try:
        nodes = [gf.submit(Ticker, ticks=gf.Int(2)) for _ in range(3)]
        prefix = current_queue_prefix()

        async def wipe() -> int:
            connection = await aio_pika.connect(amqp_url)
            async with connection:
                channel = await connection.channel()
                queue = await channel.get_queue(f"{prefix}.tasks")
                return await queue.purge()

        assert asyncio.run(wipe()).message_count == 3
        status = daemon.cli("status")
        assert "3 processes have no task and no live runner" in status.stdout, status.stdout
        dry = daemon.cli("process", "repair", "--dry-run")
        assert dry.returncode == 0, dry.stderr
        assert dry.stdout.count("would requeue Ticker") == 3
        repaired = daemon.cli("process", "repair")
        assert repaired.stdout.count("requeued Ticker") == 3
        daemon.start(1)
        finished = wait_terminated(nodes)
        assert all(node.is_finished_ok for node in finished)
        assert "no task and no live runner" not in daemon.cli("status").stdout
    finally:
        daemon.stop()
        leave_profile(name)
