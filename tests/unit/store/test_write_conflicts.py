"""Write conflicts that ArcadeDB reports in a way the driver does not retry are retried by
the store, a database closed by its stopping server is recovered, and nothing else is
retried (a fake driver stands in for the server here; the real two-process write is in
tests/integration/orm, the real server stopping mid-run in tests/chaos)."""

from __future__ import annotations

import asyncio
from typing import Any

import neo4j.exceptions as neo4j_errors
import pytest

from graphflow.errors import StoreError, StoreUnavailableError
from graphflow.store import Store
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


class FakeDriver:
    """Answers each execute_write with the next outcome: an exception or a value."""

    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = outcomes
        self.calls = 0

    def session(self, **_: Any) -> FakeDriver:
        return self

    async def __aenter__(self) -> FakeDriver:
        return self

    async def __aexit__(self, *_: object) -> None:
        return None

    async def execute_write(self, _work: Any) -> Any:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def store_with(driver: FakeDriver) -> Store:
    store = Store("bolt://127.0.0.1:1", user="root", password="x", database="graphflow")
    store._driver = driver  # type: ignore[assignment]
    return store


async def _work(_tx: Any) -> str:
    return "written"


def test_conflicts_are_retried_until_the_write_goes_through(monkeypatch) -> None:
    monkeypatch.setattr(client, "CONFLICT_FIRST_DELAY", 0.001)
    driver = FakeDriver([CONFLICT, CONFLICT, "written"])
    assert asyncio.run(store_with(driver).write_tx(_work)) == "written"
    assert driver.calls == 3


def test_other_errors_are_not_retried() -> None:
    driver = FakeDriver([OTHER, "written"])
    with pytest.raises(StoreError, match="disk on fire"):
        asyncio.run(store_with(driver).write_tx(_work))
    assert driver.calls == 1


def test_a_database_closed_by_its_stopping_server_is_recovered_and_retried(monkeypatch) -> None:
    monkeypatch.setattr(client, "RECOVERY_FIRST_DELAY", 0.001)
    driver = FakeDriver([CLOSED, "written"])
    store = store_with(driver)
    recoveries = []

    async def recover() -> str:
        recoveries.append(store.uri)
        store._driver = driver  # type: ignore[assignment]  # the server is back
        return store.uri

    store.set_recovery(recover)
    assert asyncio.run(store.write_tx(_work)) == "written"
    assert driver.calls == 2
    assert recoveries == ["bolt://127.0.0.1:1"]


def test_a_closed_database_without_a_recovery_is_reported_as_unavailable() -> None:
    driver = FakeDriver([CLOSED, "written"])
    with pytest.raises(StoreUnavailableError, match="closed the database 'graphflow'"):
        asyncio.run(store_with(driver).write_tx(_work))
    assert driver.calls == 1


def test_endless_conflicts_give_up_with_the_servers_words(monkeypatch) -> None:
    monkeypatch.setattr(client, "CONFLICT_FIRST_DELAY", 0.001)
    monkeypatch.setattr(client, "CONFLICT_MAX_DELAY", 0.001)
    driver = FakeDriver([CONFLICT] * (client.CONFLICT_RETRIES + 1))
    with pytest.raises(StoreError, match="Concurrent modification"):
        asyncio.run(store_with(driver).write_tx(_work))
    assert driver.calls == client.CONFLICT_RETRIES + 1


def test_the_drivers_retry_warnings_are_demoted_to_debug(caplog) -> None:
    import logging

    session_log = logging.getLogger("neo4j.session")
    with caplog.at_level(logging.DEBUG, logger="neo4j.session"):
        session_log.warning("Transaction failed and will be retried in %ss (%s)", 1.0, "conflict")
        session_log.warning("something else")
    levels = {record.getMessage()[:22]: record.levelname for record in caplog.records}
    assert levels == {"Transaction failed and": "DEBUG", "something else": "WARNING"}
