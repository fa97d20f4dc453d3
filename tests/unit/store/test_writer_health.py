"""The writer says how long its oldest write has waited, and survives what a commit raises
(a fake store: no server needed)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from graphflow.clock import MonotonicClock
from graphflow.errors import StoreError
from graphflow.store import GroupCommitWriter, WriteBatch


class BlockingStore:
    """A store whose commits wait for ``release``, or raise what ``fail`` holds."""

    def __init__(self) -> None:
        self.clock = MonotonicClock()
        self.release = asyncio.Event()
        self.fail: BaseException | None = None
        self.commits = 0

    async def write_tx(self, work: Any, *, tags: Any = None) -> None:
        await self.release.wait()
        if self.fail is not None:
            raise self.fail
        self.commits += 1


def _batch(uuid: str) -> WriteBatch:
    batch = WriteBatch()
    batch.create("Int", {"uuid": uuid, "pk": 1, "value": 1})
    return batch


def test_stalled_for_counts_from_the_oldest_write_not_yet_durable() -> None:
    async def scenario() -> tuple[float, float, float]:
        store = BlockingStore()
        writer = GroupCommitWriter(store)  # type: ignore[arg-type]
        task = asyncio.create_task(writer.run())
        idle = writer.stalled_for()
        done = writer.submit(_batch("a"))
        await asyncio.sleep(0.2)
        stalled = writer.stalled_for()
        store.release.set()
        await done
        after = writer.stalled_for()
        await writer.close()
        await task
        return idle, stalled, after

    idle, stalled, after = asyncio.run(scenario())
    assert idle == 0.0
    assert 0.15 < stalled < 5
    assert after == 0.0


@pytest.mark.parametrize("error", [OverflowError("int too big"), KeyError("x"), RuntimeError()])
def test_an_error_the_store_did_not_classify_fails_its_batch_and_the_writer_goes_on(
    error: BaseException,
) -> None:
    async def scenario() -> tuple[BaseException | None, int]:
        store = BlockingStore()
        store.fail = error
        store.release.set()
        writer = GroupCommitWriter(store)  # type: ignore[arg-type]
        task = asyncio.create_task(writer.run())
        first = writer.submit(_batch("a"))
        outcome = (await asyncio.gather(first, return_exceptions=True))[0]
        store.fail = None
        await writer.write(_batch("b"))
        await writer.close()
        await task
        return outcome, store.commits

    outcome, commits = asyncio.run(scenario())
    assert isinstance(outcome, StoreError)
    assert type(error).__name__ in str(outcome)
    assert commits == 1
