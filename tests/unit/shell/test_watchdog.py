"""The lost-store watchdog: work goes on while pings answer, and ends when one fails."""

from __future__ import annotations

import asyncio

import pytest

from graphflow.errors import QueryError, StoreUnavailableError
from graphflow.shell import _watchdog
from graphflow.shell._watchdog import watched


class FakeStore:
    """Answers pings until told the server is gone (or hangs them)."""

    uri = "bolt://fake:7687"

    def __init__(self) -> None:
        self.pings = 0
        self.gone = False
        self.hung = False

    async def check(self) -> None:
        self.pings += 1
        if self.hung:
            await asyncio.Event().wait()
        if self.gone:
            raise StoreUnavailableError(f"cannot reach the graph store at {self.uri}")


def run(store: FakeStore, work: object) -> object:
    async def get_store() -> FakeStore:
        return store

    return asyncio.run(watched(get_store, work, interval=0))  # type: ignore[arg-type]


def test_work_that_finishes_returns_its_result_and_stops_pinging() -> None:
    store = FakeStore()

    async def work() -> str:
        for _ in range(5):
            await asyncio.sleep(0)  # let the probe run between steps
        return "rows"

    assert run(store, work()) == "rows"
    assert store.pings >= 1


def test_work_errors_come_out_unwrapped() -> None:
    async def work() -> None:
        raise QueryError("Syntax error at line 1:9")

    with pytest.raises(QueryError, match="line 1:9"):
        run(FakeStore(), work())


def test_a_failed_ping_cancels_the_work_and_raises_the_store_error() -> None:
    store = FakeStore()
    store.gone = True
    cancelled = []

    async def work() -> None:
        try:
            await asyncio.Event().wait()  # a statement the driver keeps retrying
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    with pytest.raises(StoreUnavailableError, match="cannot reach the graph store"):
        run(store, work())
    assert cancelled == [True]


def test_a_ping_that_hangs_counts_as_a_lost_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_watchdog, "PROBE_TIMEOUT", 0)
    store = FakeStore()
    store.hung = True

    async def work() -> None:
        await asyncio.Event().wait()

    with pytest.raises(StoreUnavailableError, match="no answer to a ping"):
        run(store, work())
