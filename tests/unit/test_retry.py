"""The one retry policy, on a fake clock: what is retried, how long it pauses, and that no
operation outlives its deadline, whatever the failures and the back-off."""

from __future__ import annotations

import asyncio
import itertools
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphflow import retry as policy
from graphflow.clock import FakeClock
from graphflow.errors import (
    BrokerUnavailableError,
    QueryError,
    StoreUnavailableError,
    TransportError,
    WriteConflictError,
)
from graphflow.retry import Backoff, Deadline, deadline_or, deadline_scope, retry


class Flaky:
    """Fails with the next of ``errors``, then succeeds; records when each try started."""

    def __init__(self, clock: FakeClock, errors: list[Exception]) -> None:
        self.clock = clock
        self.errors = list(errors)
        self.tries: list[float] = []

    async def __call__(self) -> str:
        self.tries.append(self.clock.now())
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def run(clock: FakeClock, call: Any) -> Any:
    return asyncio.run(clock.drive(call))


def test_a_retryable_error_is_tried_again_after_the_back_off() -> None:
    clock = FakeClock()
    flaky = Flaky(clock, [StoreUnavailableError("away")] * 3)
    backoff = Backoff(first=1.0, cap=3.0, jitter=False)
    result = run(clock, retry(flaky, backoff=backoff, deadline=Deadline.after(100, clock)))
    assert result == "done"
    assert flaky.tries == [0.0, 1.0, 3.0, 6.0]  # pauses 1, 2, then capped at 3


def test_an_error_that_is_not_retryable_is_raised_at_once() -> None:
    clock = FakeClock()
    flaky = Flaky(clock, [QueryError("syntax"), StoreUnavailableError("never reached")])
    with pytest.raises(QueryError, match="syntax"):
        run(clock, retry(flaky, backoff=policy.STORE_UNREACHABLE, deadline=Deadline.never(clock)))
    assert flaky.tries == [0.0]


def test_a_plain_exception_is_never_retried_by_default() -> None:
    clock = FakeClock()
    flaky = Flaky(clock, [RuntimeError("a bug")])
    with pytest.raises(RuntimeError, match="a bug"):
        run(clock, retry(flaky, backoff=policy.TASK_TAKE, deadline=Deadline.never(clock)))


def test_the_last_error_says_how_long_it_was_tried() -> None:
    clock = FakeClock()
    flaky = Flaky(clock, [BrokerUnavailableError("broker away")] * 1000)
    with pytest.raises(BrokerUnavailableError, match=r"broker away \(tried \d+ times over"):
        run(clock, retry(flaky, backoff=policy.BROKER_PUBLISH, deadline=Deadline.after(30, clock)))
    assert clock.now() <= 30


def test_attempts_bound_the_tries() -> None:
    clock = FakeClock()
    flaky = Flaky(clock, [TransportError("refused")] * 10)
    backoff = Backoff(first=20.0, cap=math.inf, jitter=False)
    with pytest.raises(TransportError):
        run(clock, retry(flaky, backoff=backoff, deadline=Deadline.never(clock), attempts=5))
    assert flaky.tries == [0.0, 20.0, 60.0, 140.0, 300.0]  # AiiDA's 5 tries, doubling


def test_each_kind_of_failure_backs_off_on_its_own() -> None:
    clock = FakeClock()
    errors: list[Exception] = [StoreUnavailableError("away")] * 3 + [WriteConflictError("c")]
    flaky = Flaky(clock, errors)
    slow = Backoff(first=4.0, cap=4.0, jitter=False)
    fast = Backoff(first=0.01, cap=0.01, jitter=False)

    def kind(exc: BaseException) -> Backoff:
        return fast if isinstance(exc, WriteConflictError) else slow

    run(clock, retry(flaky, backoff=kind, deadline=Deadline.never(clock)))
    assert flaky.tries == pytest.approx([0.0, 4.0, 8.0, 12.0, 12.01])


def test_a_scoped_deadline_reaches_calls_that_were_given_none() -> None:
    clock = FakeClock()
    outer = Deadline.after(7.0, clock)

    async def inside() -> Deadline:
        return deadline_or(60.0, clock)

    async def scoped() -> tuple[Deadline, Deadline]:
        with deadline_scope(outer):
            in_task = await asyncio.create_task(inside())
        return in_task, deadline_or(60.0, clock)

    in_task, after = asyncio.run(scoped())
    assert in_task is outer
    assert after.at == 60.0


def test_ending_a_deadline_stops_an_open_ended_retry_at_its_next_failure() -> None:
    clock = FakeClock()
    deadline = Deadline.never(clock)
    flaky = Flaky(clock, [StoreUnavailableError("away")] * 1000)

    async def stop_later() -> None:
        await clock.sleep_until(25.0)
        deadline.end_now()

    async def both() -> None:
        stopper = asyncio.create_task(stop_later())
        with pytest.raises(StoreUnavailableError):
            await retry(flaky, backoff=policy.TASK_TAKE, deadline=deadline)
        await stopper

    run(clock, both())
    assert 25.0 <= clock.now() <= 25.0 + policy.TASK_TAKE.cap * 1.5


@settings(max_examples=200, deadline=None)
@given(
    first=st.floats(0.001, 10.0),
    factor=st.floats(1.0, 4.0),
    cap=st.floats(0.001, 60.0),
    jitter=st.booleans(),
    budget=st.floats(0.0, 600.0),
    failures=st.integers(0, 50),
)
def test_no_retry_ends_after_its_deadline(
    first: float, factor: float, cap: float, jitter: bool, budget: float, failures: int
) -> None:
    clock = FakeClock()
    flaky = Flaky(clock, [StoreUnavailableError("away")] * failures)
    backoff = Backoff(first=first, cap=max(cap, first), factor=factor, jitter=jitter)
    try:
        run(clock, retry(flaky, backoff=backoff, deadline=Deadline.after(budget, clock)))
        succeeded = True
    except StoreUnavailableError:
        succeeded = False
    assert clock.now() <= budget
    assert all(later >= earlier for earlier, later in itertools.pairwise(flaky.tries))
    assert succeeded == (len(flaky.tries) == failures + 1)


@settings(max_examples=100, deadline=None)
@given(first=st.floats(0.001, 10.0), cap=st.floats(0.001, 60.0), count=st.integers(1, 40))
def test_jittered_pauses_stay_within_half_and_one_and_a_half_of_nominal(
    first: float, cap: float, count: int
) -> None:
    backoff = Backoff(first=first, cap=max(cap, first))
    plain = Backoff(first=first, cap=max(cap, first), jitter=False)
    for drawn, nominal in zip(backoff.delays(), plain.delays(), strict=False):
        assert 0.5 * nominal <= drawn < 1.5 * nominal
        count -= 1
        if not count:
            break


def test_a_back_off_may_retry_at_once_first_then_double() -> None:
    clock = FakeClock()
    flaky = Flaky(clock, [WriteConflictError("lost")] * 3)
    backoff = Backoff(first=0.01, cap=1.0, jitter=False, at_once_first=True)
    run(clock, retry(flaky, backoff=backoff, deadline=Deadline.never(clock)))
    assert flaky.tries == pytest.approx([0.0, 0.0, 0.01, 0.03])
