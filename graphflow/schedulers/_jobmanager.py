"""The job manager: every job waiting on one computer is polled by one status command.

Paper, section 2.2.13: instead of each calculation job asking the scheduler for its own
state, jobs register with the job manager, which polls each computer (key) at most once
per interval with the ids of every job waiting at that moment::

    wait_for_update(key, id) ──┐
    wait_for_update(key, id) ──┼─> pending ids of key ──> poller of key (one task)
    wait_for_update(key, id) ──┘        │                   sleep until last poll + interval
                                        │                   take every pending id
              (ids added now go to ─────┘                   poll(key, ids)  one command
               the next poll)                               each waiter: its JobInfo,
                                                            None (not listed), or the error

The manager does no I/O itself (this package imports no transport, style 1.1): the
engine passes ``poll``, which requests a transport from the transport queue, runs the
scheduler's ``status_command`` and returns ``parse_status_output``. ``poll`` must bound
its own time (the transport's command timeout does).
"""

from __future__ import annotations

import asyncio
import dataclasses
import types
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Final, Self, TypeAlias

from graphflow.clock import Clock, MonotonicClock
from graphflow.errors import SchedulerError
from graphflow.schedulers._job import JobInfo

__all__ = ["JobManager", "JobManagerStatistics", "PollFunction"]

PollFunction: TypeAlias = Callable[[str, list[str]], Awaitable[Mapping[str, JobInfo]]]
"""``async poll(key, job_ids) -> {job_id: JobInfo}``: one status command for one computer."""
_DEFAULT_INTERVAL: Final = 10.0


@dataclasses.dataclass(frozen=True, slots=True)
class JobManagerStatistics:
    """A snapshot of a job manager, each mapping keyed by computer key.

    Attributes:
        polls: status polls made so far (one scheduler command each).
        failed_polls: polls that raised.
        jobs_polled: job ids sent in those polls, summed.
        waiting: distinct job ids waiting for the next poll now.
    """

    polls: Mapping[str, int]
    failed_polls: Mapping[str, int]
    jobs_polled: Mapping[str, int]
    waiting: Mapping[str, int]


class _Entry:
    """One job id in one poll, and everyone waiting for it.

    Invariant: ``waiters`` counts uncancelled callers awaiting ``future``; an entry
    with no waiters is removed from ``pending`` (it is not polled for nobody).
    """

    __slots__ = ("future", "waiters")

    def __init__(self) -> None:
        self.future: asyncio.Future[JobInfo | None] = asyncio.get_running_loop().create_future()
        self.waiters = 0


class _Computer:
    def __init__(self) -> None:
        self.pending: dict[str, _Entry] = {}
        self.last_poll: float | None = None
        self.poller: asyncio.Task[None] | None = None
        self.polls = 0
        self.failed = 0
        self.jobs_polled = 0


class JobManager:
    """Bundles the scheduler updates of every waiting job, per computer.

    Use it as an async context manager; its pollers live in its task group::

        async with JobManager(poll, min_interval=30.0) as jobs:
            info = await jobs.wait_for_update("cluster", "4242")

    Args:
        poll: ``async poll(key, job_ids) -> {job_id: JobInfo}`` for one computer; jobs
            it leaves out are reported as ``None`` (no longer listed).
        min_interval: minimum seconds between two polls of one key, or a function
            giving it per key (read before each poll, so it may change).
        clock: the time source; tests pass a fake one.
    """

    def __init__(
        self,
        poll: PollFunction,
        *,
        min_interval: float | Callable[[str], float] = _DEFAULT_INTERVAL,
        clock: Clock | None = None,
    ) -> None:
        self._poll = poll
        self._interval: Callable[[str], float] = (
            min_interval if callable(min_interval) else _constant(min_interval)
        )
        self._clock: Clock = clock if clock is not None else MonotonicClock()
        self._computers: dict[str, _Computer] = {}
        self._group: asyncio.TaskGroup | None = None
        self._closing = False

    async def __aenter__(self) -> Self:
        if self._group is not None or self._closing:
            raise RuntimeError("JobManager: a manager can be entered only once")
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
        for computer in self._computers.values():
            if computer.poller is not None:
                computer.poller.cancel()
        group, self._group = self._group, None
        assert group is not None  # __aenter__ ran
        # The body's own exception is not handed to the task group, which would wrap it
        # in an ExceptionGroup; it propagates unchanged once the children have ended.
        await group.__aexit__(None, None, None)
        return None

    def statistics(self) -> JobManagerStatistics:
        """Counts per key, taken now."""
        items = self._computers.items()
        return JobManagerStatistics(
            polls=types.MappingProxyType({k: c.polls for k, c in items}),
            failed_polls=types.MappingProxyType({k: c.failed for k, c in items}),
            jobs_polled=types.MappingProxyType({k: c.jobs_polled for k, c in items}),
            waiting=types.MappingProxyType({k: len(c.pending) for k, c in items}),
        )

    async def wait_for_update(self, key: str, job_id: str) -> JobInfo | None:
        """The job's info from the next poll of ``key`` that includes it.

        The next poll happens at once if ``key`` was never polled, else one interval
        after the previous one; a job registered while a poll is running joins the
        poll after it.

        Returns:
            The job's ``JobInfo``, or ``None`` if the scheduler no longer lists it
            (finished and forgotten: read its exit status).

        Raises:
            Exception: whatever ``poll`` raised (``TransportError``,
                ``SchedulerError``), the same for every job of that poll.
            SchedulerError: the manager closed before the poll.
            RuntimeError: the manager is not entered.
        """
        if self._group is None or self._closing:
            raise RuntimeError("JobManager: use the manager inside 'async with' (it is closed)")
        computer = self._computers.get(key)
        if computer is None:
            computer = self._computers[key] = _Computer()
        entry = computer.pending.get(job_id)
        if entry is None:
            entry = computer.pending[job_id] = _Entry()
        entry.waiters += 1
        if computer.poller is None:
            computer.poller = self._group.create_task(
                self._run_poller(key, computer), name=f"job poller {key}"
            )
        try:
            return await asyncio.shield(entry.future)
        except asyncio.CancelledError:
            # Not yet decided: forget this waiter, and the id if nobody else waits
            # for it and it is still pending (an id already sent stays in its poll).
            if not entry.future.done():
                entry.waiters -= 1
                if entry.waiters == 0 and computer.pending.get(job_id) is entry:
                    del computer.pending[job_id]
            raise

    async def _run_poller(self, key: str, computer: _Computer) -> None:
        """Poll ``key`` once per interval while any job waits for it."""
        in_flight: dict[str, _Entry] = {}
        try:
            while computer.pending:
                if computer.last_poll is not None:
                    await self._clock.sleep_until(computer.last_poll + self._interval(key))
                    if not computer.pending:
                        break  # every waiter was cancelled meanwhile
                in_flight, computer.pending = computer.pending, {}
                computer.last_poll = self._clock.now()
                computer.polls += 1
                computer.jobs_polled += len(in_flight)
                try:
                    infos = await self._poll(key, sorted(in_flight))
                except Exception as exc:
                    # Handed to every waiter of this poll, which raise it; the engine's
                    # back-off decides what happens next.
                    computer.failed += 1
                    _fail(in_flight.values(), exc)
                else:
                    for job_id, entry in in_flight.items():
                        if not entry.future.done():
                            entry.future.set_result(infos.get(job_id))
                in_flight = {}
        finally:
            # Normal exit: nothing pending (no await since the check). Cancelled: the
            # manager is closing; everyone still waiting gets an error, not a hang.
            computer.poller = None
            leftover = [*in_flight.values(), *computer.pending.values()]
            computer.pending = {}
            _fail(leftover, SchedulerError(f"{key}: the job manager closed before the poll"))


def _fail(entries: Iterable[_Entry], exc: BaseException) -> None:
    for entry in entries:
        if not entry.future.done():
            entry.future.set_exception(exc)
            # Retrieved: waiters cancelled meanwhile will never await it.
            entry.future.exception()


def _constant(seconds: float) -> Callable[[str], float]:
    if seconds < 0:
        raise ValueError(f"JobManager: min_interval must be >= 0 seconds, got {seconds!r}")

    def interval(key: str) -> float:
        return seconds

    return interval
