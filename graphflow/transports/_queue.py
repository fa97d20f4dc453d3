"""The transport queue: one shared connection per computer, opened at most once per interval.

Computers limit how often a client may connect (paper, section 2.2.12). Processes never
open transports themselves; they ask the queue, which keeps per key (one computer) at
most one transport and one *keeper* task that owns its whole life::

    requesters                 keeper (one per key, in the queue's task group)
    ----------                 ------------------------------------------------
    request(key) ─┐            no transport, requests waiting:
    request(key) ─┼─> round ─>   sleep until previous open + safe_interval
    request(key) ─┘              open() ── ok ──> every waiter of the round gets it
                                         └ error > every waiter of the round gets it
    request(key) ──────────────> transport open: used at once, shared
    ... last user leaves ──────> idle for keep_open seconds: drop it, then close it

Guarantees, per key:

- *Safe interval.* Opens (successful or not) are at least ``safe_interval`` apart on the
  queue's clock. Only the keeper opens, one open at a time, and it sleeps until
  ``last_open + safe_interval`` before each; the first open of a key happens at once.
- *Sharing.* While the transport is open every requester gets the same one; there is
  never a second connection to the same key.
- *Idle close.* The transport is closed ``keep_open`` seconds after its last user left,
  so a burst of requests reuses one connection. A transport found dead (``is_open``
  false) is replaced on the next request, again respecting the interval.
- *Failure.* If opening fails, every requester waiting for that open gets the error the
  transport raised (a ``TransportError``); later requests wait for the next interval.
- *Cancellation.* A cancelled requester leaves the counts as they were before it came
  (see ``_Round``); the keeper is only ever cancelled when the queue closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import types
from typing import TYPE_CHECKING, Final, Self

from graphflow.clock import MonotonicClock
from graphflow.errors import TransportError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping

    from graphflow.clock import Clock
    from graphflow.transports._protocol import Transport

__all__ = ["TransportQueue", "TransportQueueStatistics"]

logger = logging.getLogger(__name__)

_DEFAULT_KEEP_OPEN: Final = 2.0
_DEFAULT_OPEN_TIMEOUT: Final = 60.0


@dataclasses.dataclass(frozen=True, slots=True)
class TransportQueueStatistics:
    """A snapshot of a queue, each mapping keyed by computer key.

    Attributes:
        connections_opened: open attempts so far, successful or not.
        open_failures: open attempts that raised.
        requests_served: requests that were handed a transport.
        open_keys: keys whose transport is open now.
        in_use: requests holding a transport now.
        waiting: requests waiting for a transport to be opened now.
    """

    connections_opened: Mapping[str, int]
    open_failures: Mapping[str, int]
    requests_served: Mapping[str, int]
    open_keys: frozenset[str]
    in_use: Mapping[str, int]
    waiting: Mapping[str, int]


class _Round:
    """The requests waiting for one open attempt, and its outcome.

    Invariant: ``waiting`` counts the requesters awaiting ``future`` that have neither
    been cancelled nor been counted as users. When the keeper resolves the future it
    moves all of them to ``_Slot.users`` in the same step, so a requester cancelled
    afterwards knows, from ``future``, that it was counted and must release.
    """

    __slots__ = ("future", "waiting")

    def __init__(self) -> None:
        self.future: asyncio.Future[Transport] = asyncio.get_running_loop().create_future()
        self.waiting = 0


class _Slot:
    """Everything the queue knows about one key.

    Invariant: ``transport`` is ``None`` or the one open (or just died) transport of
    the key, set and cleared only by the keeper; it is cleared *before* it is closed,
    so no requester is ever handed a closing transport.
    """

    def __init__(self, factory: Callable[[], Transport], safe_interval: float) -> None:
        self.factory = factory
        self.safe_interval = safe_interval
        self.transport: Transport | None = None
        self.round: _Round | None = None
        self.users = 0
        self.idle_since = 0.0
        self.last_open: float | None = None
        self.keeper: asyncio.Task[None] | None = None
        # Set when users drop to zero or a dead transport is found: wakes the keeper.
        self.changed = asyncio.Event()
        self.opened = 0
        self.failed = 0
        self.served = 0


class TransportQueue:
    """Shares one transport per key among concurrent requests, politely.

    Use it as an async context manager; its keepers live in its task group, and leaving
    the context closes every transport::

        async with TransportQueue() as queue:
            async with queue.request("cluster", make_transport, safe_interval=5.0) as t:
                result = await t.exec("squeue --me")

    Args:
        clock: the time source; tests pass a ``FakeClock``.
        keep_open: seconds an unused transport stays open for the next request.
        open_timeout: deadline in seconds for one ``open()``, on top of the
            transport's own connect timeout (third-party transports may lack one).
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        keep_open: float = _DEFAULT_KEEP_OPEN,
        open_timeout: float = _DEFAULT_OPEN_TIMEOUT,
    ) -> None:
        if keep_open < 0:
            raise ValueError(f"TransportQueue: keep_open must be >= 0 seconds, got {keep_open!r}")
        if open_timeout <= 0:
            raise ValueError(
                f"TransportQueue: open_timeout must be > 0 seconds, got {open_timeout!r}"
            )
        self._clock: Clock = clock if clock is not None else MonotonicClock()
        self._keep_open = keep_open
        self._open_timeout = open_timeout
        self._slots: dict[str, _Slot] = {}
        self._group: asyncio.TaskGroup | None = None
        self._closing = False

    async def __aenter__(self) -> Self:
        if self._group is not None or self._closing:
            raise RuntimeError("TransportQueue: a queue can be entered only once")
        group = asyncio.TaskGroup()
        await group.__aenter__()
        self._group = group
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> bool | None:
        self._closing = True
        for slot in self._slots.values():
            if slot.keeper is not None:
                slot.keeper.cancel()
        group, self._group = self._group, None
        assert group is not None  # __aenter__ ran
        # The body's own exception is not handed to the task group, which would wrap it
        # in an ExceptionGroup; it propagates unchanged once the children have ended.
        await group.__aexit__(None, None, None)
        return None

    def statistics(self) -> TransportQueueStatistics:
        """Counts per key, taken now."""
        slots = self._slots.items()
        return TransportQueueStatistics(
            connections_opened=types.MappingProxyType({k: s.opened for k, s in slots}),
            open_failures=types.MappingProxyType({k: s.failed for k, s in slots}),
            requests_served=types.MappingProxyType({k: s.served for k, s in slots}),
            open_keys=frozenset(k for k, s in slots if s.transport is not None),
            in_use=types.MappingProxyType({k: s.users for k, s in slots}),
            waiting=types.MappingProxyType(
                {k: s.round.waiting if s.round is not None else 0 for k, s in slots}
            ),
        )

    @contextlib.asynccontextmanager
    async def request(
        self, key: str, factory: Callable[[], Transport], safe_interval: float
    ) -> AsyncIterator[Transport]:
        """An open transport for ``key``, shared, for the duration of the ``async with``.

        Args:
            key: names the computer; requests with the same key share a transport.
            factory: makes a new, unopened transport for ``key`` (called by the keeper;
                the latest request's factory and interval are the ones used).
            safe_interval: minimum seconds between two opens for ``key``.

        Raises:
            TransportError: opening failed (the transport's own error, shared by every
                request that waited for that open), or the queue closed meanwhile.
            RuntimeError: the queue is not entered.
        """
        if safe_interval < 0:
            raise ValueError(
                f"TransportQueue.request({key!r}): safe_interval must be >= 0, "
                f"got {safe_interval!r}"
            )
        slot = self._slot(key, factory, safe_interval)
        transport = await self._acquire(key, slot)
        try:
            yield transport
        finally:
            self._release(slot)

    def _slot(self, key: str, factory: Callable[[], Transport], safe_interval: float) -> _Slot:
        if self._group is None or self._closing:
            raise RuntimeError("TransportQueue: use the queue inside 'async with' (it is closed)")
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = _Slot(factory, safe_interval)
        slot.factory = factory
        slot.safe_interval = safe_interval
        return slot

    async def _acquire(self, key: str, slot: _Slot) -> Transport:
        transport = slot.transport
        if transport is not None:
            if transport.is_open:
                slot.users += 1
                slot.served += 1
                return transport
            # Dead (dropped, keep-alive failed): the keeper replaces it.
            slot.changed.set()
        round_ = slot.round
        if round_ is None:
            round_ = slot.round = _Round()
        round_.waiting += 1
        if slot.keeper is None:
            assert self._group is not None  # checked by _slot, no await since
            slot.keeper = self._group.create_task(self._keep(key, slot), name=f"keeper {key}")
        try:
            return await asyncio.shield(round_.future)
        except asyncio.CancelledError:
            future = round_.future
            if future.done() and not future.cancelled() and future.exception() is None:
                self._release(slot)  # the keeper counted us as a user already
            elif not future.done():
                round_.waiting -= 1
            raise

    def _release(self, slot: _Slot) -> None:
        slot.users -= 1
        if slot.users == 0:
            slot.idle_since = self._clock.now()
            slot.changed.set()

    async def _keep(self, key: str, slot: _Slot) -> None:
        """Open, share and close the transport of ``key`` while anyone needs it."""
        try:
            while True:
                round_ = slot.round
                if round_ is None or round_.waiting == 0:
                    # Nobody waits (all cancelled, or none came): stop until the next
                    # request starts a new keeper. No await between check and exit.
                    slot.round = None
                    return
                if slot.last_open is not None:
                    await self._clock.sleep_until(slot.last_open + slot.safe_interval)
                    if round_.waiting == 0:
                        continue
                transport = await self._open(key, slot, round_)
                if transport is None:
                    continue
                await self._hold(slot, transport)
                # Drop the shared reference first: no new requester gets a closing one.
                slot.transport = None
                await self._close(key, transport)
        finally:
            # Normal exit: nothing is left. Cancelled (the queue is closing): fail the
            # waiters and close the transport; awaiting after the cancel is deliberate.
            slot.keeper = None
            self._fail_waiters(key, slot)
            transport, slot.transport = slot.transport, None
            if transport is not None:
                await self._close(key, transport)

    async def _open(self, key: str, slot: _Slot, round_: _Round) -> Transport | None:
        """One open attempt for the waiters of ``round_``; the transport, or None.

        Requests arriving during the attempt join ``round_``: it stays the slot's round
        until the attempt is decided.
        """
        slot.last_open = self._clock.now()
        slot.opened += 1
        try:
            transport = slot.factory()
            try:
                async with asyncio.timeout(self._open_timeout):
                    await transport.open()
            except BaseException:
                await self._close(key, transport)
                raise
        except TimeoutError as exc:
            error = TransportError(
                f"{key}: opening the transport took longer than {self._open_timeout} s"
            )
            error.__cause__ = exc
            self._fail(slot, round_, error)
            return None
        except Exception as exc:
            # Handed to every waiter of this round, which raise it; not swallowed.
            self._fail(slot, round_, exc)
            return None
        slot.round = None
        slot.transport = transport
        slot.users += round_.waiting
        slot.served += round_.waiting
        round_.waiting = 0
        round_.future.set_result(transport)
        return transport

    def _fail(self, slot: _Slot, round_: _Round, exc: BaseException) -> None:
        slot.failed += 1
        slot.round = None
        round_.waiting = 0
        round_.future.set_exception(exc)
        # Marks the exception retrieved: if every waiter was cancelled meanwhile,
        # nobody awaits it, and asyncio would log it as never retrieved.
        round_.future.exception()

    async def _hold(self, slot: _Slot, transport: Transport) -> None:
        """Return once ``transport`` died, or nobody used it for ``keep_open`` seconds."""
        while transport.is_open:
            slot.changed.clear()
            if slot.users > 0:
                await slot.changed.wait()
                continue
            deadline = slot.idle_since + self._keep_open
            if self._clock.now() >= deadline:
                return
            await self._wait_changed_or(slot, deadline)

    async def _wait_changed_or(self, slot: _Slot, deadline: float) -> None:
        async with asyncio.TaskGroup() as group:
            changed = group.create_task(slot.changed.wait())
            timer = group.create_task(self._clock.sleep_until(deadline))
            await asyncio.wait([changed, timer], return_when=asyncio.FIRST_COMPLETED)
            changed.cancel()
            timer.cancel()

    async def _close(self, key: str, transport: Transport) -> None:
        """Close a transport nobody holds any more; a failure is logged, not raised.

        Nothing can be done about a connection that fails to close, and raising here
        would end the keeper, and with it the queue's task group.
        """
        try:
            await transport.close()
        except Exception:
            logger.warning(
                "%s: closing the %s transport failed", key, transport.name, exc_info=True
            )

    def _fail_waiters(self, key: str, slot: _Slot) -> None:
        """Fail the requests still waiting when the keeper stops (the queue closes)."""
        round_ = slot.round
        if round_ is not None and not round_.future.done():
            slot.round = None
            round_.waiting = 0
            round_.future.set_exception(
                TransportError(f"{key}: the transport queue closed before a transport opened")
            )
            round_.future.exception()  # retrieved: see _fail
