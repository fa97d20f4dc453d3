"""Acknowledging a task never blocks its worker.

aiormq queues an acknowledgement for its connection's writer and waits until it is
written. While the connection is going away (a broker restart) the writer has stopped,
the frame is never written, and the wait never ends: a worker's task hung between
holding its process and starting it, and the process was never run (the RabbitMQ
restart chaos test, on CI). The message stands in for aio-pika's; the chaos test runs
the real restart.
"""

from __future__ import annotations

import asyncio

import aiormq.exceptions
import pytest

from graphflow.broker import TaskDelivery, TaskMessage, _rabbitmq


class _Message:
    """A delivery whose acknowledgement is queued on a connection that never writes it."""

    def __init__(self, failure: BaseException | None = None) -> None:
        self.failure = failure
        self.calls: list[str] = []

    async def ack(self) -> None:
        self.calls.append("ack")
        await self._send()

    async def nack(self, requeue: bool) -> None:
        self.calls.append(f"nack requeue={requeue}")
        await self._send()

    async def _send(self) -> None:
        if self.failure is not None:
            raise self.failure
        await asyncio.Event().wait()  # the drain that never comes


@pytest.mark.parametrize("action", ["ack", "requeue"])
def test_an_acknowledgement_that_is_never_written_does_not_block(
    monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    monkeypatch.setattr(_rabbitmq, "SETTLE_TIMEOUT", 0.2)
    message = _Message()
    delivery = TaskDelivery(message, TaskMessage("u", 1))  # type: ignore[arg-type]

    async def settle() -> None:
        async with asyncio.timeout(5):  # without the bound this waits for good
            await getattr(delivery, action)()

    asyncio.run(settle())
    assert message.calls == (["ack"] if action == "ack" else ["nack requeue=True"])


def test_an_acknowledgement_on_a_dead_channel_is_dropped() -> None:
    message = _Message(aiormq.exceptions.ChannelInvalidStateError("closed"))
    asyncio.run(TaskDelivery(message, TaskMessage("u", 1)).ack())  # type: ignore[arg-type]
    assert message.calls == ["ack"]


def test_other_failures_of_an_acknowledgement_are_not_hidden() -> None:
    message = _Message(ValueError("a bug"))
    with pytest.raises(ValueError, match="a bug"):
        asyncio.run(TaskDelivery(message, TaskMessage("u", 1)).ack())  # type: ignore[arg-type]
