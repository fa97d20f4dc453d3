"""Time as the engine sees it: a ``Clock`` protocol, the real one, and a fake for tests.

The transport queue, the job manager and the back-off of transport tasks read time and
sleep only through a clock (style 4.8), so their rules (one connection per safe
interval, one scheduler poll per interval, doubling retry delays) are tested by moving a
fake clock ahead instead of sleeping. It imports nothing of graphflow, so every layer
may use it. The fake wakes sleepers in deadline order and lets the
woken tasks run before it moves on, so a test sees every intermediate step.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable

__all__ = ["Clock", "FakeClock", "MonotonicClock"]

T = TypeVar("T")


class Clock(Protocol):
    """A source of monotonic time in seconds, and a way to wait for a point in it."""

    def now(self) -> float:
        """The current time; only differences between two readings mean anything."""
        ...

    async def sleep_until(self, deadline: float) -> None:
        """Return once ``now() >= deadline``; at once (after one yield) if it already is."""
        ...


class MonotonicClock:
    """The real clock: ``time.monotonic`` and ``asyncio.sleep``."""

    def now(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()

    async def sleep_until(self, deadline: float) -> None:
        """Sleep on the event loop until ``deadline``."""
        await asyncio.sleep(max(0.0, deadline - time.monotonic()))


class FakeClock:
    """A clock that moves only when a test calls ``advance``.

    ``sleep_until`` parks the caller on a future; ``advance`` wakes the parked callers in
    deadline order, setting ``now()`` to each deadline in turn and letting the woken
    tasks run (``settle``) before the next, so a task that sleeps again within the same
    advance is woken too. Cancelled sleepers are skipped.

    Args:
        start: the initial reading of ``now()``.
        settle_rounds: how many event-loop iterations ``settle`` yields; enough for any
            chain of wake-ups in code without real I/O.
    """

    def __init__(self, start: float = 0.0, *, settle_rounds: int = 100) -> None:
        self._now = start
        self._settle_rounds = settle_rounds
        self._sequence = itertools.count()
        # Invariant: a heap of (deadline, arrival, future); futures may be done
        # (cancelled sleepers), and are then skipped.
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []

    def now(self) -> float:
        """The time the test last moved the clock to."""
        return self._now

    async def sleep_until(self, deadline: float) -> None:
        """Park until ``advance`` reaches ``deadline``."""
        if deadline <= self._now:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (deadline, next(self._sequence), future))
        await future

    @property
    def sleepers(self) -> int:
        """How many tasks are parked in ``sleep_until`` now."""
        return sum(1 for _, _, future in self._sleepers if not future.done())

    def next_deadline(self) -> float | None:
        """The earliest deadline a task is parked on, or ``None``."""
        deadlines = [deadline for deadline, _, future in self._sleepers if not future.done()]
        return min(deadlines, default=None)

    async def settle(self) -> None:
        """Let every task that can run, run: yield ``settle_rounds`` loop iterations."""
        for _ in range(self._settle_rounds):
            await asyncio.sleep(0)

    async def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` ahead, waking sleepers in deadline order.

        Raises:
            ValueError: ``seconds`` is negative; a monotonic clock does not go back.
        """
        if seconds < 0:
            raise ValueError(f"FakeClock.advance: seconds must be >= 0, got {seconds!r}")
        target = self._now + seconds
        await self.settle()
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            if future.done():
                continue
            self._now = max(self._now, deadline)
            future.set_result(None)
            await self.settle()
        self._now = target
        await self.settle()

    async def drive(self, awaitable: Awaitable[T]) -> T:
        """Await ``awaitable`` while moving the clock on to each deadline a task parks
        on, so an operation that backs off for minutes finishes at once in a test."""
        task = asyncio.ensure_future(awaitable)
        while not task.done():
            if self.next_deadline() is None:
                await self.settle()
            else:
                await self.advance_to_next()
        return task.result()

    async def advance_to_next(self) -> float:
        """Advance to the earliest parked deadline and return the new time.

        Raises:
            ValueError: no task is parked on the clock.
        """
        deadline = self.next_deadline()
        if deadline is None:
            raise ValueError("FakeClock.advance_to_next: no task is sleeping on this clock")
        await self.advance(max(0.0, deadline - self._now))
        return self._now
