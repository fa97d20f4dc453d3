"""FakeClock: time moves only when told, and sleepers wake in deadline order."""

from __future__ import annotations

import asyncio

import pytest

from graphflow.transports import FakeClock, MonotonicClock


def test_sleepers_wake_in_deadline_order_at_their_deadline():
    async def scenario():
        clock = FakeClock(start=100.0)
        woke: list[tuple[str, float]] = []

        async def sleeper(name: str, deadline: float) -> None:
            await clock.sleep_until(deadline)
            woke.append((name, clock.now()))

        tasks = [
            asyncio.create_task(sleeper("c", 103.0)),
            asyncio.create_task(sleeper("a", 101.0)),
            asyncio.create_task(sleeper("past", 50.0)),
            asyncio.create_task(sleeper("b", 102.0)),
        ]
        await clock.settle()
        assert woke == [("past", 100.0)]
        assert clock.sleepers == 3
        assert clock.next_deadline() == 101.0
        await clock.advance(2.5)
        assert woke == [("past", 100.0), ("a", 101.0), ("b", 102.0)]
        assert clock.now() == 102.5
        assert await clock.advance_to_next() == 103.0
        await asyncio.gather(*tasks)
        assert woke[-1] == ("c", 103.0)

    asyncio.run(scenario())


def test_a_task_that_sleeps_again_within_one_advance_is_woken_again():
    async def scenario():
        clock = FakeClock()
        ticks: list[float] = []

        async def ticker() -> None:
            for _ in range(3):
                await clock.sleep_until(clock.now() + 1.0)
                ticks.append(clock.now())

        task = asyncio.create_task(ticker())
        await clock.advance(10.0)
        await task
        assert ticks == [1.0, 2.0, 3.0]

    asyncio.run(scenario())


def test_cancelled_sleepers_are_skipped_and_bad_calls_refused():
    async def scenario():
        clock = FakeClock()
        task = asyncio.create_task(clock.sleep_until(5.0))
        await clock.settle()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert clock.sleepers == 0
        assert clock.next_deadline() is None
        with pytest.raises(ValueError, match="no task is sleeping"):
            await clock.advance_to_next()
        with pytest.raises(ValueError, match="seconds must be >= 0"):
            await clock.advance(-1.0)

    asyncio.run(scenario())


def test_monotonic_clock_returns_at_once_for_a_past_deadline():
    async def scenario():
        clock = MonotonicClock()
        before = clock.now()
        await clock.sleep_until(before - 10.0)
        assert clock.now() >= before

    asyncio.run(scenario())
