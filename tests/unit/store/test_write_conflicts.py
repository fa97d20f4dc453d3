"""Write conflicts (ArcadeDB's, which the driver does not know as transient, and the
driver's transient errors) are retried by the store, a database closed by its stopping
server is recovered, a busy pool is waited for, and nothing else is retried; each within
the call's deadline, measured on a fake clock (a fake driver stands in for the server
here; the real two-process write is in tests/integration/orm, the real server stopping
mid-run in tests/chaos)."""

from __future__ import annotations

import asyncio
from typing import Any

import neo4j.exceptions as neo4j_errors
import pytest

from graphflow.clock import FakeClock
from graphflow.errors import (
    CommitUnknownError,
    StoreError,
    StoreUnavailableError,
    WriteConflictError,
)
from graphflow.retry import STORE_UNREACHABLE, Deadline, deadline_scope
from graphflow.store import GroupCommitWriter, Store, WriteBatch
from graphflow.store import _client as client

CONFLICT = neo4j_errors.Neo4jError._hydrate_neo4j(
    code="Neo.DatabaseError.General.UnknownError",
    message="Concurrent modification on page PageId(graphflow/36/23) in file "
    "'Data~Int~Node_0.36.65536.v0.bucket' (current v.30 <> database v.40). "
    "Please retry the operation (threadId=53)",
)
#: what ArcadeDB answers while its server closes the database (DatabaseIsClosedException)
CLOSED = neo4j_errors.Neo4jError._hydrate_neo4j(
    code="Neo.DatabaseError.General.UnknownError", message="graphflow"
)
OTHER = neo4j_errors.Neo4jError._hydrate_neo4j(
    code="Neo.DatabaseError.General.UnknownError", message="disk on fire"
)


TRANSIENT = neo4j_errors.Neo4jError._hydrate_neo4j(
    code="Neo.TransientError.Transaction.DeadlockDetected", message="deadlock"
)
BUSY = neo4j_errors.ConnectionAcquisitionTimeoutError("failed to obtain a connection")


class FakeDriver:
    """Ends each transaction's commit with the next outcome: an exception or success."""

    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = outcomes
        self.calls = 0
        self.rolled_back = 0

    def session(self, **_: Any) -> FakeDriver:
        return self

    async def __aenter__(self) -> FakeDriver:
        return self

    async def __aexit__(self, *_: object) -> None:
        return None

    async def begin_transaction(self, **_: Any) -> FakeDriver:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if outcome is BUSY:
            raise outcome
        self.outcome = outcome
        return self

    async def commit(self) -> None:
        if isinstance(self.outcome, Exception):
            raise self.outcome

    async def close(self) -> None:
        self.rolled_back += 1

    def cancel(self) -> None:
        self.rolled_back += 1


def store_with(driver: FakeDriver, clock: FakeClock | None = None) -> Store:
    store = Store(
        "bolt://127.0.0.1:1", user="root", password="x", database="graphflow", clock=clock
    )
    store._driver = driver  # type: ignore[assignment]
    return store


async def _work(_tx: Any) -> str:
    return "written"


def test_conflicts_are_retried_until_the_write_goes_through() -> None:
    clock = FakeClock()
    driver = FakeDriver([CONFLICT, TRANSIENT, CONFLICT, None])
    store = store_with(driver, clock)
    assert asyncio.run(clock.drive(store.write_tx(_work))) == "written"
    assert driver.calls == 4
    assert driver.rolled_back == 3
    assert store.write_retries == 3
    assert clock.now() < 1.0  # conflicts back off from 10 ms


def test_a_busy_pool_is_waited_for_not_failed() -> None:
    clock = FakeClock()
    driver = FakeDriver([BUSY] * 20 + [None])
    store = store_with(driver, clock)
    assert asyncio.run(clock.drive(store.write_tx(_work))) == "written"
    assert driver.calls == 21


#: a connection made while ArcadeDB stops or starts, its session not past authentication
HALF_OPEN = neo4j_errors.Neo4jError._hydrate_neo4j(
    code="Neo.ClientError.Request.Invalid", message="BEGIN not expected in state: AUTHENTICATION"
)


@pytest.mark.parametrize("failure", [CLOSED, HALF_OPEN], ids=["closed", "half-open"])
def test_a_database_closed_by_its_stopping_server_is_recovered_and_retried(
    failure: Exception,
) -> None:
    clock = FakeClock()
    driver = FakeDriver([failure, None])
    store = store_with(driver, clock)
    recoveries = []

    async def recover() -> str:
        recoveries.append(store.uri)
        store._driver = driver  # type: ignore[assignment]  # the server is back
        return store.uri

    store.set_recovery(recover)
    assert asyncio.run(clock.drive(store.write_tx(_work))) == "written"
    assert driver.calls == 2
    assert recoveries == ["bolt://127.0.0.1:1"]


def test_a_closed_database_without_a_recovery_fails_at_the_deadline() -> None:
    clock = FakeClock()
    driver = FakeDriver([CLOSED] * 1000)
    with pytest.raises(StoreUnavailableError, match=r"closed the database 'graphflow'.*tried"):
        asyncio.run(clock.drive(store_with(driver, clock).write_tx(_work)))
    assert client.STORE_DEADLINE - 10 < clock.now() <= client.STORE_DEADLINE


def test_endless_conflicts_give_up_at_the_deadline_with_the_servers_words() -> None:
    clock = FakeClock()
    driver = FakeDriver([CONFLICT] * 10_000)
    with pytest.raises(WriteConflictError, match="Concurrent modification"):
        asyncio.run(clock.drive(store_with(driver, clock).write_tx(_work)))
    assert client.STORE_DEADLINE - 1 < clock.now() <= client.STORE_DEADLINE


def test_a_deadline_handed_down_bounds_every_try() -> None:
    clock = FakeClock()
    driver = FakeDriver([CONFLICT] * 10_000)
    store = store_with(driver, clock)
    with pytest.raises(WriteConflictError), deadline_scope(Deadline.after(5.0, clock)):
        asyncio.run(clock.drive(store.write_tx(_work)))
    assert 4.0 < clock.now() <= 5.0


def test_a_commit_cut_off_midway_is_not_run_again_by_the_store() -> None:
    clock = FakeClock()
    driver = FakeDriver([neo4j_errors.IncompleteCommit("lost"), None])
    with pytest.raises(CommitUnknownError, match="may or may not have happened"):
        asyncio.run(clock.drive(store_with(driver, clock).write_tx(_work)))
    assert driver.calls == 1


def test_other_errors_are_not_retried_and_roll_back() -> None:
    driver = FakeDriver([OTHER, None])
    with pytest.raises(StoreError, match="disk on fire"):
        asyncio.run(store_with(driver).write_tx(_work))
    assert (driver.calls, driver.rolled_back) == (1, 1)


class Unreachable(FakeDriver):
    """A server that refuses every connection."""

    async def begin_transaction(self, **_: Any) -> FakeDriver:
        self.calls += 1
        raise neo4j_errors.ServiceUnavailable("Couldn't connect to 127.0.0.1:1")


def test_a_group_commit_gives_up_at_the_writers_budget_not_before() -> None:
    clock = FakeClock()
    driver = Unreachable([])
    store = store_with(driver, clock)
    writer = GroupCommitWriter(store, retry_budget=600.0)
    batch = WriteBatch()
    batch.update("some-uuid", {"label": "x"})

    async def commit() -> None:
        task = asyncio.create_task(writer.run())
        try:
            await writer.write(batch)
        finally:
            await writer.close()
            await task

    with pytest.raises(StoreUnavailableError, match=r"cannot reach the graph store.*tried"):
        asyncio.run(clock.drive(commit()))
    # the store's own 60 s default did not cut the writer's deadline short
    assert 600.0 - 1.5 * STORE_UNREACHABLE.cap < clock.now() <= 600.0
    assert driver.calls > 100


NOT_A_LEADER = neo4j_errors.Neo4jError._hydrate_neo4j(
    code="Neo.ClientError.Cluster.NotALeader", message="No write operations are allowed"
)
FOLLOWER = neo4j_errors.Neo4jError._hydrate_neo4j(
    code="Neo.ClientError.General.ForbiddenOnReadOnlyDatabase", message="read-only database"
)
BAD_BOOKMARK = neo4j_errors.Neo4jError._hydrate_neo4j(
    code="Neo.ClientError.Transaction.InvalidBookmark", message="not a bookmark: FB:x"
)


def test_a_leader_change_is_waited_out_as_an_unreachable_server() -> None:
    assert isinstance(NOT_A_LEADER, neo4j_errors.NotALeader)
    clock = FakeClock()
    driver = FakeDriver([NOT_A_LEADER, NOT_A_LEADER, None])
    assert asyncio.run(clock.drive(store_with(driver, clock).write_tx(_work))) == "written"
    assert driver.calls == 3
    assert clock.now() >= STORE_UNREACHABLE.first * 0.5  # backed off as for a server away


def test_a_follower_that_never_takes_writes_fails_at_the_deadline_naming_the_server() -> None:
    clock = FakeClock()
    driver = FakeDriver([FOLLOWER] * 1000)
    with pytest.raises(StoreUnavailableError, match=r"127\.0\.0\.1:1 cannot write now.*follower"):
        asyncio.run(clock.drive(store_with(driver, clock).write_tx(_work)))
    assert client.STORE_DEADLINE - 10 < clock.now() <= client.STORE_DEADLINE


def test_a_refused_bookmark_is_forgotten_and_the_write_tried_again() -> None:
    clock = FakeClock()
    driver = FakeDriver([BAD_BOOKMARK, None])
    store = store_with(driver, clock)
    store.bookmarks.observe(["FB:x"])
    assert asyncio.run(clock.drive(store.write_tx(_work))) == "written"
    assert driver.calls == 2
    assert store.bookmarks.current() == []
