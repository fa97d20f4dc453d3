"""JobManager on a fake clock: one status poll per computer and interval, for every job.

These test ``graphflow/schedulers/_jobmanager.py``; by style 1.3 they belong in
``tests/unit/schedulers/`` (kept here because this change may only touch transport
test folders). The poll is a recording fake: no scheduler, no transport, no sleeping.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from graphflow.errors import SchedulerError, TransportError
from graphflow.schedulers import JobInfo, JobManager, JobState
from graphflow.transports import FakeClock

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

INTERVAL = 10.0


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """Run on a fresh loop; the real-time limit only turns a hang into a failure."""

    async def bounded() -> None:
        async with asyncio.timeout(30):
            await scenario()

    asyncio.run(bounded())


class FakeScheduler:
    """Answers polls from ``states``; records each poll's time, key and ids."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.states: dict[str, JobState] = {}
        self.polls: list[tuple[float, str, list[str]]] = []
        self.fail_next: Exception | None = None
        self.poll_duration = 0.0

    async def poll(self, key: str, job_ids: list[str]) -> Mapping[str, JobInfo]:
        self.polls.append((self.clock.now(), key, list(job_ids)))
        if self.poll_duration:
            await self.clock.sleep_until(self.clock.now() + self.poll_duration)
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        return {
            job_id: JobInfo(job_id, self.states[job_id], str(self.states[job_id]))
            for job_id in job_ids
            if job_id in self.states
        }


def test_a_hundred_waiters_are_one_poll_with_every_id():
    async def scenario():
        clock = FakeClock()
        scheduler = FakeScheduler(clock)
        ids = [str(4000 + n) for n in range(100)]
        scheduler.states = dict.fromkeys(ids, JobState.RUNNING)
        async with JobManager(scheduler.poll, min_interval=INTERVAL, clock=clock) as jobs:
            infos = await asyncio.gather(*(jobs.wait_for_update("hpc", i) for i in ids))
        assert [(time, key) for time, key, _ in scheduler.polls] == [(0.0, "hpc")]
        assert scheduler.polls[0][2] == sorted(ids)
        assert [info.job_id if info else None for info in infos] == ids
        assert all(info is not None and info.state is JobState.RUNNING for info in infos)

    run(scenario)


def test_waiters_that_keep_waiting_are_polled_once_per_interval():
    async def scenario():
        clock = FakeClock()
        scheduler = FakeScheduler(clock)
        ids = [str(n) for n in range(1, 101)]
        scheduler.states = dict.fromkeys(ids, JobState.QUEUED)
        rounds = 4

        async def watch(jobs: JobManager, job_id: str) -> None:
            for _ in range(rounds):
                await jobs.wait_for_update("hpc", job_id)

        async with JobManager(scheduler.poll, min_interval=INTERVAL, clock=clock) as jobs:
            watchers = [asyncio.create_task(watch(jobs, job_id)) for job_id in ids]
            await clock.settle()
            for _ in range(rounds - 1):
                await clock.advance(INTERVAL / 2)
                assert len(scheduler.polls) < rounds
                await clock.advance(INTERVAL / 2)
            await asyncio.gather(*watchers)
        assert [time for time, _, _ in scheduler.polls] == [0.0, 10.0, 20.0, 30.0]
        assert all(polled == sorted(ids) for _, _, polled in scheduler.polls)
        assert jobs.statistics().polls == {"hpc": rounds}
        assert jobs.statistics().jobs_polled == {"hpc": rounds * 100}

    run(scenario)


def test_keys_poll_independently_with_their_own_intervals():
    async def scenario():
        clock = FakeClock()
        scheduler = FakeScheduler(clock)
        scheduler.states = {"1": JobState.RUNNING, "2": JobState.RUNNING}
        intervals = {"fast": 2.0, "slow": 30.0}

        async with JobManager(
            scheduler.poll, min_interval=intervals.__getitem__, clock=clock
        ) as jobs:
            await asyncio.gather(
                jobs.wait_for_update("fast", "1"), jobs.wait_for_update("slow", "2")
            )
            fast = asyncio.create_task(jobs.wait_for_update("fast", "1"))
            slow = asyncio.create_task(jobs.wait_for_update("slow", "2"))
            await clock.advance(2.0)
            assert fast.done()
            assert not slow.done()
            await clock.advance(28.0)
            assert slow.done()
        assert [(time, key) for time, key, _ in scheduler.polls] == [
            (0.0, "fast"),
            (0.0, "slow"),
            (2.0, "fast"),
            (30.0, "slow"),
        ]

    run(scenario)


def test_a_job_added_mid_interval_joins_the_next_poll():
    async def scenario():
        clock = FakeClock()
        scheduler = FakeScheduler(clock)
        scheduler.states = {"1": JobState.RUNNING, "2": JobState.QUEUED}
        async with JobManager(scheduler.poll, min_interval=INTERVAL, clock=clock) as jobs:
            await jobs.wait_for_update("hpc", "1")
            await clock.advance(3.0)
            late = asyncio.create_task(jobs.wait_for_update("hpc", "2"))
            again = asyncio.create_task(jobs.wait_for_update("hpc", "1"))
            await clock.advance(INTERVAL - 3.0 - 0.5)
            assert not late.done(), "polled again before the interval passed"
            await clock.advance(0.5)
            info = await late
            assert info is not None
            assert info.state is JobState.QUEUED
            await again
        assert scheduler.polls == [(0.0, "hpc", ["1"]), (10.0, "hpc", ["1", "2"])]

    run(scenario)


def test_a_job_added_while_a_poll_runs_joins_the_poll_after():
    async def scenario():
        clock = FakeClock()
        scheduler = FakeScheduler(clock)
        scheduler.states = {"1": JobState.RUNNING, "2": JobState.RUNNING}
        scheduler.poll_duration = 1.0
        async with JobManager(scheduler.poll, min_interval=INTERVAL, clock=clock) as jobs:
            first = asyncio.create_task(jobs.wait_for_update("hpc", "1"))
            await clock.settle()
            assert len(scheduler.polls) == 1  # running, until t=1
            second = asyncio.create_task(jobs.wait_for_update("hpc", "2"))
            await clock.advance(1.0)
            assert first.done()
            assert not second.done()
            await clock.advance(INTERVAL)
            await second
        assert [ids for _, _, ids in scheduler.polls] == [["1"], ["2"]]
        assert [time for time, _, _ in scheduler.polls] == [0.0, 10.0]

    run(scenario)


def test_a_job_the_scheduler_no_longer_lists_is_none():
    async def scenario():
        clock = FakeClock()
        scheduler = FakeScheduler(clock)
        scheduler.states = {"1": JobState.RUNNING}
        async with JobManager(scheduler.poll, min_interval=INTERVAL, clock=clock) as jobs:
            listed, gone = await asyncio.gather(
                jobs.wait_for_update("hpc", "1"), jobs.wait_for_update("hpc", "2")
            )
        assert listed is not None
        assert listed.job_id == "1"
        assert gone is None

    run(scenario)


def test_the_same_job_waited_twice_is_polled_once():
    async def scenario():
        clock = FakeClock()
        scheduler = FakeScheduler(clock)
        scheduler.states = {"7": JobState.DONE}
        async with JobManager(scheduler.poll, min_interval=INTERVAL, clock=clock) as jobs:
            first, second = await asyncio.gather(
                jobs.wait_for_update("hpc", "7"), jobs.wait_for_update("hpc", "7")
            )
        assert first == second
        assert scheduler.polls == [(0.0, "hpc", ["7"])]

    run(scenario)


def test_a_failing_poll_raises_to_every_waiter_of_that_poll_only():
    async def scenario():
        clock = FakeClock()
        scheduler = FakeScheduler(clock)
        scheduler.states = {"1": JobState.RUNNING, "2": JobState.RUNNING}
        scheduler.fail_next = TransportError("ssh gftest@hpc:22: cannot connect: refused")
        async with JobManager(scheduler.poll, min_interval=INTERVAL, clock=clock) as jobs:
            results = await asyncio.gather(
                jobs.wait_for_update("hpc", "1"),
                jobs.wait_for_update("hpc", "2"),
                return_exceptions=True,
            )
            assert [type(result) for result in results] == [TransportError, TransportError]
            retry = asyncio.create_task(jobs.wait_for_update("hpc", "1"))
            await clock.advance(INTERVAL)
            info = await retry
            assert info is not None
            assert info.state is JobState.RUNNING
            stats = jobs.statistics()
        assert stats.polls == {"hpc": 2}
        assert stats.failed_polls == {"hpc": 1}

    run(scenario)


def test_cancelled_waiters_leave_their_ids_out_and_no_poll_is_made_for_nobody():
    async def scenario():
        clock = FakeClock()
        scheduler = FakeScheduler(clock)
        scheduler.states = {"1": JobState.RUNNING, "2": JobState.RUNNING}
        async with JobManager(scheduler.poll, min_interval=INTERVAL, clock=clock) as jobs:
            await jobs.wait_for_update("hpc", "1")
            stays = asyncio.create_task(jobs.wait_for_update("hpc", "1"))
            leaves = asyncio.create_task(jobs.wait_for_update("hpc", "2"))
            await clock.settle()
            assert jobs.statistics().waiting == {"hpc": 2}
            leaves.cancel()
            with pytest.raises(asyncio.CancelledError):
                await leaves
            assert jobs.statistics().waiting == {"hpc": 1}
            await clock.advance(INTERVAL)
            await stays
            assert scheduler.polls[-1] == (10.0, "hpc", ["1"])
            alone = asyncio.create_task(jobs.wait_for_update("hpc", "2"))
            await clock.settle()
            alone.cancel()
            await asyncio.gather(alone, return_exceptions=True)
            await clock.advance(INTERVAL * 3)
        assert len(scheduler.polls) == 2, "polled for a job nobody waits for"

    run(scenario)


def test_a_waiter_cancelled_during_its_poll_does_not_disturb_the_others():
    async def scenario():
        clock = FakeClock()
        scheduler = FakeScheduler(clock)
        scheduler.states = {"1": JobState.RUNNING, "2": JobState.RUNNING}
        scheduler.poll_duration = 1.0
        async with JobManager(scheduler.poll, min_interval=INTERVAL, clock=clock) as jobs:
            cancelled = asyncio.create_task(jobs.wait_for_update("hpc", "1"))
            other = asyncio.create_task(jobs.wait_for_update("hpc", "2"))
            await clock.settle()
            cancelled.cancel()
            await asyncio.gather(cancelled, return_exceptions=True)
            await clock.advance(1.0)
            info = await other
            assert info is not None
            assert info.job_id == "2"
            assert jobs.statistics().waiting == {"hpc": 0}
            again = asyncio.create_task(jobs.wait_for_update("hpc", "1"))
            await clock.advance(INTERVAL)
            assert (await again) is not None

    run(scenario)


def test_closing_the_manager_fails_the_waiters_and_refuses_new_ones():
    async def scenario():
        clock = FakeClock()
        scheduler = FakeScheduler(clock)
        scheduler.states = {"1": JobState.RUNNING}
        async with JobManager(scheduler.poll, min_interval=INTERVAL, clock=clock) as jobs:
            await jobs.wait_for_update("hpc", "1")
            waiter = asyncio.create_task(jobs.wait_for_update("hpc", "1"))
            await clock.settle()
        with pytest.raises(SchedulerError, match="job manager closed"):
            await waiter
        with pytest.raises(RuntimeError, match="async with"):
            await jobs.wait_for_update("hpc", "1")
        assert len(scheduler.polls) == 1

    run(scenario)


def test_negative_interval_is_refused():
    async def poll(key: str, job_ids: list[str]) -> Mapping[str, JobInfo]:
        return {}

    with pytest.raises(ValueError, match="min_interval"):
        JobManager(poll, min_interval=-1.0)


def test_an_error_in_the_body_propagates_unwrapped():
    clock = FakeClock()
    scheduler = FakeScheduler(clock)

    async def body() -> None:
        async with JobManager(scheduler.poll, min_interval=INTERVAL, clock=clock) as jobs:
            waiter = asyncio.create_task(jobs.wait_for_update("hpc", "1"))
            await clock.settle()
            assert waiter.done()
            raise KeyError("from the body")

    async def scenario():
        with pytest.raises(KeyError, match="from the body"):
            await body()

    run(scenario)
