"""A writer with long transactions is not starved by a stream of short ones.

ArcadeDB commits optimistically: a transaction fails to commit when another committed a
change to the same record meanwhile. A long transaction that updates a node loses to any
short one that updated it in the meantime, and retried among them it loses again, every
time, until it gives up (seen filling the W6 store with two processes). With the store's
write turns, the run after a lost conflict has the store to itself and commits. Without
them this test fails: the long transaction gives up.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import pytest

from graphflow.store import Transaction, WriteBatch

pytestmark = [pytest.mark.usefixtures("backend"), pytest.mark.arcadedb_only]


def _update(node: str, **props: Any) -> WriteBatch:
    batch = WriteBatch()
    batch.update(node, props)
    return batch


def test_a_long_transaction_commits_among_a_stream_of_short_ones(backend: Any, aio: Any) -> None:
    tag = f"write-turns-{uuid.uuid4().hex[:8]}"
    node = f"{tag}-node"
    created = WriteBatch()
    created.create("Int", {"uuid": node, "pk": -random.randrange(1, 2**62), "label": tag})
    aio(backend.store.write_tx(created.apply))
    info = backend.server.read_info()

    async def scenario() -> tuple[int, int]:
        store = backend.server.store(info)  # its own pool, as another process would have
        long_runs = 0
        stop = asyncio.Event()

        async def long(tx: Transaction) -> None:
            nonlocal long_runs
            long_runs += 1
            await _update(node, value=long_runs).apply(tx)
            await asyncio.sleep(0.3)  # the short writers commit meanwhile

        async def short_writer() -> int:
            commits = 0
            while not stop.is_set():
                await store.write_tx(_update(node, other=commits).apply)
                commits += 1
            return commits

        try:
            shorts = [asyncio.ensure_future(short_writer()) for _ in range(2)]
            await asyncio.sleep(0.1)  # the stream is flowing before the long one starts
            try:
                await asyncio.wait_for(store.write_tx(long), 60)
            finally:
                stop.set()
                short_commits = sum(await asyncio.gather(*shorts))
            return long_runs, short_commits
        finally:
            await store.close()

    long_runs, short_commits = aio(scenario())
    assert short_commits > 5  # the short writers really ran beside it
    assert long_runs <= 2  # it lost at most once, and its run alone committed
    rows = aio(
        backend.store.run_readonly(
            "MATCH (n:Int {uuid: $node}) RETURN n.value AS value", {"node": node}
        )
    ).rows
    assert rows == [{"value": long_runs}]
    aio(backend.store.run_adhoc_write("MATCH (n:Int {label: $tag}) DELETE n", {"tag": tag}))
