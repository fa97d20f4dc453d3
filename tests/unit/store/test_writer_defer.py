"""Deferred writes are gathered into one commit shortly after, or at close: never lost,
never a statement added to the commits of the writes around them."""

from __future__ import annotations

import asyncio
from typing import Any

from graphflow.clock import MonotonicClock
from graphflow.store import GroupCommitWriter, WriteBatch


class RecordingStore:
    """Records the uuids each commit carried."""

    def __init__(self) -> None:
        self.clock = MonotonicClock()
        self.commits: list[set[str]] = []

    async def write_tx(self, work: Any, *, tags: Any = None) -> None:
        batch = work.__self__  # the writer commits a merged batch's bound apply()
        self.commits.append(set(batch.updates))


def _update(uuid: str) -> WriteBatch:
    batch = WriteBatch()
    batch.update(uuid, {"unpublished": None})
    return batch


def _run(scenario: Any) -> list[set[str]]:
    store = RecordingStore()

    async def main() -> list[set[str]]:
        writer = GroupCommitWriter(store)  # type: ignore[arg-type]
        task = asyncio.create_task(writer.run())
        await scenario(writer)
        await writer.close()
        await task
        return store.commits

    return asyncio.run(main())


def test_deferred_writes_are_gathered_and_kept_out_of_other_commits() -> None:
    async def scenario(writer: GroupCommitWriter) -> None:
        writer.defer(_update("mark-1"), within=0.1)
        await writer.write(_update("step-2"))
        writer.defer(_update("mark-3"), within=0.1)
        await asyncio.sleep(0.4)

    assert _run(scenario) == [{"step-2"}, {"mark-1", "mark-3"}]


def test_a_deferred_write_alone_goes_after_its_delay() -> None:
    async def scenario(writer: GroupCommitWriter) -> None:
        writer.defer(_update("mark-1"), within=0.05)
        await asyncio.sleep(0.3)

    assert _run(scenario) == [{"mark-1"}]


def test_a_deferred_write_is_committed_when_the_writer_closes() -> None:
    async def scenario(writer: GroupCommitWriter) -> None:
        writer.defer(_update("mark-1"), within=60)

    assert _run(scenario) == [{"mark-1"}]
