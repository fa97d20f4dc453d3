"""Publishing tries again while the broker is away, until its budget and not after, on a
fake clock (the real broker restart is in tests/integration/daemon)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from graphflow.broker import RabbitMQCommunicator
from graphflow.clock import FakeClock
from graphflow.errors import BrokerUnavailableError
from graphflow.retry import BROKER_PUBLISH


class AwayExchange:
    """An exchange whose broker refuses ``failures`` publishes, then confirms."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.tries = 0

    async def publish(self, _message: Any, routing_key: str) -> None:
        self.tries += 1
        if self.tries <= self.failures:
            raise ConnectionRefusedError(111, "Connection refused")


async def _publish_on(clock: FakeClock, exchange: AwayExchange) -> None:
    communicator = RabbitMQCommunicator(
        "amqp://guest:secret@127.0.0.1:1/", prefix="t", publish_budget=300.0, clock=clock
    )
    await clock.drive(communicator._publish(exchange, b"{}", "task"))  # type: ignore[arg-type]


def test_a_publish_goes_through_once_the_broker_is_back() -> None:
    clock = FakeClock()
    exchange = AwayExchange(failures=4)
    asyncio.run(_publish_on(clock, exchange))
    assert exchange.tries == 5
    assert 0 < clock.now() < 30


def test_a_publish_fails_at_its_budget_naming_the_broker_without_its_password() -> None:
    clock = FakeClock()
    exchange = AwayExchange(failures=10_000)
    with pytest.raises(BrokerUnavailableError, match=r"127\.0\.0\.1:1") as raised:
        asyncio.run(_publish_on(clock, exchange))
    assert "secret" not in str(raised.value)
    assert 300.0 - 1.5 * BROKER_PUBLISH.cap < clock.now() <= 300.0
