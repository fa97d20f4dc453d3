"""The group-commit writer keeps a consistent prefix of each history (issue 20).

A write submitted ``after`` another lands only if that one did; merging batches into one
commit never changes the batches merged, which are committed one by one if the merged
commit fails.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from graphflow.clock import FakeClock
from graphflow.errors import NotWrittenError, QueryError
from graphflow.store._writer import GroupCommitWriter, WriteBatch


class ChoosyStore:
    """Refuses any commit holding a node whose uuid starts with ``bad``."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.landed: list[list[str]] = []

    async def write_tx(self, apply: Any, *, tags: Any = None) -> None:
        tx = _Tx()
        await apply(tx)
        if any(uuid.startswith("bad") for uuid in tx.uuids):
            raise QueryError(f"refused {sorted(tx.uuids)}")
        self.landed.append(sorted(tx.uuids))


class _Tx:
    def __init__(self) -> None:
        self.uuids: set[str] = set()

    async def run(self, statement: Any, **params: Any) -> None:
        for name, rows in params.items():
            if name.startswith("nodes_") or name == "updates":
                self.uuids.update(row["uuid"] for row in rows)


def batch(uuid: str, **props: Any) -> WriteBatch:
    made = WriteBatch()
    made.create("Int", {"uuid": uuid, "value": 1, **props})
    return made


def update(uuid: str, **props: Any) -> WriteBatch:
    made = WriteBatch()
    made.update(uuid, props)
    return made


async def run_writer(store: ChoosyStore, submits: Any) -> list[asyncio.Future[None]]:
    writer = GroupCommitWriter(store)  # type: ignore[arg-type]
    task = asyncio.create_task(writer.run())
    futures = submits(writer)
    await asyncio.gather(*futures, return_exceptions=True)
    await writer.close()
    await task
    return futures


def test_a_write_after_a_failed_one_is_not_attempted_and_names_the_first_failure() -> None:
    store = ChoosyStore()

    def submits(writer: GroupCommitWriter) -> list[asyncio.Future[None]]:
        first = writer.submit(batch("bad-1"))
        second = writer.submit(batch("good-2"), after=first)
        third = writer.submit(update("good-2", value=3), after=second)
        unrelated = writer.submit(batch("good-4"))
        return [first, second, third, unrelated]

    first, second, third, unrelated = asyncio.run(run_writer(store, submits))

    assert isinstance(first.exception(), QueryError)
    assert isinstance(second.exception(), NotWrittenError)
    assert "refused ['bad-1']" in str(second.exception())
    assert third.exception() is second.exception()
    assert unrelated.exception() is None
    assert ["good-2"] not in store.landed
    assert ["good-4"] in store.landed


def test_a_write_after_a_landed_one_lands() -> None:
    store = ChoosyStore()

    def submits(writer: GroupCommitWriter) -> list[asyncio.Future[None]]:
        first = writer.submit(batch("good-1"))
        return [first, writer.submit(batch("good-2"), after=first)]

    futures = asyncio.run(run_writer(store, submits))

    assert [f.exception() for f in futures] == [None, None]


@pytest.mark.parametrize("state", ["running", "finished"])
def test_merging_batches_does_not_change_them(state: str) -> None:
    created = batch("node-1", process_state="created")
    later = update("node-1", process_state=state)
    merged = WriteBatch()
    merged.extend(created)
    merged.extend(later)

    assert merged.creates["Int"][0]["process_state"] == state
    assert created.creates["Int"][0]["process_state"] == "created"
