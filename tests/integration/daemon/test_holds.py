"""Holds on the real RabbitMQ: a runner never waits for good on a hold that is lost."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import aio_pika
import pytest

from graphflow.broker import RabbitMQCommunicator, TaskMessage, _rabbitmq

pytestmark = pytest.mark.requires_rabbitmq


async def _remove_topology(url: str, communicator: RabbitMQCommunicator) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        dead = f"{communicator.prefix}.dead"
        for name in (communicator.tasks_name, communicator.hold_name, dead):
            await channel.queue_delete(name)
        for name in (communicator.tasks_name, dead):
            await channel.exchange_delete(name)


def test_a_hold_that_never_arrives_is_published_again(
    amqp_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_rabbitmq, "HOLD_ARRIVAL_TIMEOUT", 0.5)

    async def scenario() -> tuple[int, bool]:
        communicator = RabbitMQCommunicator(amqp_url, prefix=f"test-holds-{uuid.uuid4().hex[:8]}")
        await communicator.connect()
        lost: list[Any] = []
        deliver = communicator._on_hold

        async def lose_the_first(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            if not lost:  # as if it vanished on the way: the runner never sees it
                lost.append(message)
                await message.ack()
                return
            await deliver(message)

        communicator._on_hold = lose_the_first  # type: ignore[method-assign]
        try:
            hold = await asyncio.wait_for(communicator.hold(TaskMessage(str(uuid.uuid4()), 1)), 30)
            held = hold.delivery is not None
            await communicator.release(hold)
            return len(lost), held
        finally:
            await communicator.close()
            await _remove_topology(amqp_url, communicator)

    lost, held = asyncio.run(scenario())
    assert lost == 1
    assert held
