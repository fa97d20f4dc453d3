"""TransportQueue on a fake clock: one open per safe interval, sharing, idle close, failures.

Nothing here sleeps: time moves only when a test advances the ``FakeClock``, and the
transports are fake ones that count their opens and closes.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from graphflow.errors import TransportError
from graphflow.transports import FakeClock, FakeComputer, Transport, TransportQueue

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

SAFE = 5.0
KEEP = 1.0


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """Run on a fresh loop; the real-time limit only turns a hang into a failure."""

    async def bounded() -> None:
        async with asyncio.timeout(30):
            await scenario()

    asyncio.run(bounded())


class Recorder:
    """Requests that hold their transport until released, recording what they got."""

    def __init__(self, queue: TransportQueue, computer: FakeComputer, key: str = "hpc") -> None:
        self.queue = queue
        self.computer = computer
        self.key = key
        self.got: list[Transport] = []
        self.release = asyncio.Event()

    async def hold(self) -> Transport:
        async with self.queue.request(self.key, self.computer.transport, SAFE) as transport:
            self.got.append(transport)
            await self.release.wait()
            return transport

    async def use_once(self) -> Transport:
        async with self.queue.request(self.key, self.computer.transport, SAFE) as transport:
            self.got.append(transport)
            return transport


def test_first_open_is_immediate_and_a_burst_shares_one_transport():
    async def scenario():
        clock = FakeClock()
        computer = FakeComputer()
        async with TransportQueue(clock=clock, keep_open=KEEP) as queue:
            recorder = Recorder(queue, computer)
            tasks = [asyncio.create_task(recorder.hold()) for _ in range(100)]
            await clock.settle()
            assert clock.now() == 0.0
            assert len(recorder.got) == 100
            assert len({id(transport) for transport in recorder.got}) == 1
            assert computer.opens == 1
            stats = queue.statistics()
            assert stats.connections_opened == {"hpc": 1}
            assert stats.requests_served == {"hpc": 100}
            assert stats.in_use == {"hpc": 100}
            assert stats.open_keys == frozenset({"hpc"})
            recorder.release.set()
            await asyncio.gather(*tasks)
            assert queue.statistics().in_use == {"hpc": 0}

    run(scenario)


def test_open_transport_is_reused_until_idle_for_keep_open():
    async def scenario():
        clock = FakeClock()
        computer = FakeComputer()
        async with TransportQueue(clock=clock, keep_open=KEEP) as queue:
            recorder = Recorder(queue, computer)
            first = await recorder.use_once()
            await clock.advance(KEEP * 0.9)
            second = await recorder.use_once()  # idle timer restarts from here
            assert second is first
            await clock.advance(KEEP * 0.9)
            assert first.is_open, "closed before keep_open passed since the last use"
            assert computer.closes == 0
            await clock.advance(KEEP * 0.2)
            assert not first.is_open
            assert computer.closes == 1
            assert queue.statistics().open_keys == frozenset()
            assert computer.opens == 1

    run(scenario)


def test_a_transport_in_use_is_never_closed_for_idleness():
    async def scenario():
        clock = FakeClock()
        computer = FakeComputer()
        async with TransportQueue(clock=clock, keep_open=KEEP) as queue:
            recorder = Recorder(queue, computer)
            holder = asyncio.create_task(recorder.hold())
            await clock.settle()
            await clock.advance(KEEP * 50)
            assert recorder.got[0].is_open
            recorder.release.set()
            await holder
            await clock.advance(KEEP)
            assert not recorder.got[0].is_open

    run(scenario)


def test_reconnect_waits_for_the_safe_interval_since_the_previous_open():
    async def scenario():
        clock = FakeClock()
        opened_at: list[float] = []

        async def on_open() -> None:
            opened_at.append(clock.now())

        computer = FakeComputer(on_open=on_open)
        async with TransportQueue(clock=clock, keep_open=KEEP) as queue:
            recorder = Recorder(queue, computer)
            await recorder.use_once()
            await clock.advance(KEEP + 0.5)  # idle-closed at t=KEEP
            assert computer.closes == 1
            second = asyncio.create_task(recorder.use_once())
            await clock.advance(SAFE - clock.now() - 0.01)
            assert not second.done(), "reconnected before the safe interval passed"
            assert queue.statistics().waiting == {"hpc": 1}
            await clock.advance(0.01)
            await second
            assert opened_at == [0.0, SAFE]
            assert recorder.got[1] is not recorder.got[0]

    run(scenario)


def test_failed_open_is_raised_to_every_waiter_and_the_retry_respects_the_interval():
    async def scenario():
        clock = FakeClock()
        failures = [TransportError("ssh gftest@hpc:22: cannot connect: connection refused")]
        opened_at: list[float] = []

        async def on_open() -> None:
            opened_at.append(clock.now())
            if failures:
                raise failures.pop()

        computer = FakeComputer(on_open=on_open)
        async with TransportQueue(clock=clock, keep_open=KEEP) as queue:
            recorder = Recorder(queue, computer)
            waiters = [asyncio.create_task(recorder.use_once()) for _ in range(10)]
            results = await asyncio.gather(*waiters, return_exceptions=True)
            assert all(isinstance(result, TransportError) for result in results)
            assert all("connection refused" in str(result) for result in results)
            stats = queue.statistics()
            assert stats.open_failures == {"hpc": 1}
            assert stats.requests_served == {"hpc": 0}
            assert stats.in_use == {"hpc": 0}
            retry = asyncio.create_task(recorder.use_once())
            await clock.advance(SAFE - 0.01)
            assert not retry.done(), "retried the open before the safe interval"
            await clock.advance(0.01)
            await retry
            assert opened_at == [0.0, SAFE]
            assert queue.statistics().connections_opened == {"hpc": 2}

    run(scenario)


def test_a_factory_that_raises_fails_its_waiters_without_breaking_the_queue():
    async def scenario():
        clock = FakeClock()
        computer = FakeComputer()

        def broken() -> Transport:
            raise TransportError("no such computer configured")

        async with TransportQueue(clock=clock, keep_open=KEEP) as queue:
            with pytest.raises(TransportError, match="no such computer"):
                async with queue.request("hpc", broken, SAFE):
                    pass
            await clock.advance(SAFE)
            async with queue.request("hpc", computer.transport, SAFE) as transport:
                assert transport.is_open

    run(scenario)


def test_requests_during_a_slow_open_share_that_open():
    async def scenario():
        clock = FakeClock()

        async def slow_open() -> None:
            await clock.sleep_until(clock.now() + 2.0)

        computer = FakeComputer(on_open=slow_open)
        async with TransportQueue(clock=clock, keep_open=KEEP) as queue:
            recorder = Recorder(queue, computer)
            early = asyncio.create_task(recorder.use_once())
            await clock.advance(1.0)
            late = asyncio.create_task(recorder.use_once())
            await clock.advance(1.0)
            assert await early is await late
            assert computer.opens == 1
            assert queue.statistics().requests_served == {"hpc": 2}

    run(scenario)


def test_keys_are_independent():
    async def scenario():
        clock = FakeClock()
        computers = {"a": FakeComputer(), "b": FakeComputer()}
        async with TransportQueue(clock=clock, keep_open=KEEP) as queue:
            async with (
                queue.request("a", computers["a"].transport, SAFE) as first,
                queue.request("b", computers["b"].transport, SAFE) as second,
            ):
                assert first is not second
                assert clock.now() == 0.0
            assert queue.statistics().connections_opened == {"a": 1, "b": 1}

    run(scenario)


def test_a_dead_transport_is_replaced_after_the_interval():
    async def scenario():
        clock = FakeClock()
        computer = FakeComputer()
        async with TransportQueue(clock=clock, keep_open=KEEP) as queue:
            recorder = Recorder(queue, computer)
            first = await recorder.use_once()
            first.drop()  # type: ignore[attr-defined]  # FakeTransport: the link died
            replacement = asyncio.create_task(recorder.use_once())
            await clock.advance(SAFE - 0.01)
            assert not replacement.done()
            await clock.advance(0.01)
            second = await replacement
            assert second is not first
            assert second.is_open
            assert computer.opens == 2

    run(scenario)


def test_cancelled_waiters_restore_the_counts_and_nobody_opens_for_them():
    async def scenario():
        clock = FakeClock()
        computer = FakeComputer()
        async with TransportQueue(clock=clock, keep_open=KEEP) as queue:
            recorder = Recorder(queue, computer)
            await recorder.use_once()
            await clock.advance(KEEP)  # closed; the next open may come at t=SAFE
            waiters = [asyncio.create_task(recorder.use_once()) for _ in range(5)]
            await clock.settle()
            assert queue.statistics().waiting == {"hpc": 5}
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)
            assert queue.statistics().waiting == {"hpc": 0}
            await clock.advance(SAFE)
            assert computer.opens == 1, "opened a connection nobody waits for"
            assert queue.statistics().in_use == {"hpc": 0}

    run(scenario)


def test_a_waiter_cancelled_as_the_open_completes_releases_its_share():
    async def scenario():
        clock = FakeClock()
        victims: list[asyncio.Task[Transport]] = []

        async def on_open() -> None:
            # Cancel a waiter now: the keeper hands out the transport before that
            # waiter runs again, so the waiter was counted as a user and must release.
            victims[0].cancel()

        computer = FakeComputer(on_open=on_open)
        async with TransportQueue(clock=clock, keep_open=KEEP) as queue:
            recorder = Recorder(queue, computer)
            victims.append(asyncio.create_task(recorder.hold()))
            survivor = asyncio.create_task(recorder.use_once())
            await clock.settle()
            with pytest.raises(asyncio.CancelledError):
                await victims[0]
            transport = await survivor
            assert queue.statistics().in_use == {"hpc": 0}
            await clock.advance(KEEP)
            assert not transport.is_open, "a cancelled waiter kept the transport in use"

    run(scenario)


def test_a_user_cancelled_inside_the_context_releases_it():
    async def scenario():
        clock = FakeClock()
        computer = FakeComputer()
        async with TransportQueue(clock=clock, keep_open=KEEP) as queue:
            recorder = Recorder(queue, computer)
            holder = asyncio.create_task(recorder.hold())
            await clock.settle()
            assert queue.statistics().in_use == {"hpc": 1}
            holder.cancel()
            with pytest.raises(asyncio.CancelledError):
                await holder
            assert queue.statistics().in_use == {"hpc": 0}
            await clock.advance(KEEP)
            assert computer.open_transports == 0

    run(scenario)


def test_leaving_the_queue_closes_transports_and_fails_waiters():
    async def scenario():
        clock = FakeClock()
        computer = FakeComputer()
        waiter: asyncio.Task[Transport] | None = None
        async with TransportQueue(clock=clock, keep_open=KEEP) as queue:
            recorder = Recorder(queue, computer)
            await recorder.use_once()
            await clock.advance(KEEP)
            waiter = asyncio.create_task(recorder.use_once())  # waits for t=SAFE
            other = FakeComputer()
            async with queue.request("other", other.transport, SAFE):
                pass
            await clock.settle()
        assert other.open_transports == 0
        assert computer.open_transports == 0
        with pytest.raises(TransportError, match="queue closed"):
            await waiter
        with pytest.raises(RuntimeError, match="async with"):
            async with queue.request("hpc", computer.transport, SAFE):
                pass

    run(scenario)


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="keep_open"):
        TransportQueue(keep_open=-1)

    async def scenario():
        async with TransportQueue(clock=FakeClock()) as queue:
            with pytest.raises(ValueError, match="safe_interval"):
                async with queue.request("hpc", FakeComputer().transport, -1.0):
                    pass

    run(scenario)


def test_statistics_is_a_frozen_snapshot():
    async def scenario():
        async with TransportQueue(clock=FakeClock()) as queue:
            async with queue.request("hpc", FakeComputer().transport, SAFE):
                snapshot = queue.statistics()
            with pytest.raises(AttributeError):
                snapshot.connections_opened = {}  # type: ignore[misc]
            with pytest.raises(TypeError):
                snapshot.in_use["hpc"] = 3  # type: ignore[index]
            assert snapshot.in_use == {"hpc": 1}
            assert queue.statistics().in_use == {"hpc": 0}

    run(scenario)


def test_an_error_in_the_body_propagates_unwrapped():
    computer = FakeComputer()

    async def body() -> None:
        async with (
            TransportQueue(clock=FakeClock()) as queue,
            queue.request("hpc", computer.transport, SAFE),
        ):
            raise KeyError("from the body")

    async def scenario():
        with pytest.raises(KeyError, match="from the body"):
            await body()
        assert computer.open_transports == 0

    run(scenario)
