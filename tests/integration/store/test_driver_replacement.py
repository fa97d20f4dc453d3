"""Replacing the driver after a failure must not break the callers still working on it.

When the embedded server restarts, the first caller that notices replaces the store's
driver. Closing the old driver at once closed the connections other callers were still
using: their transactions were cut off and run again, or failed inside the driver itself
(``'NoneType' object has no attribute 'complete'``), and a daemon's process excepted on a
store restart. The old driver is now closed when its last caller is done.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from graphflow.store import Transaction, query

pytestmark = [pytest.mark.usefixtures("backend"), pytest.mark.arcadedb_only]


def test_transaction_in_flight_survives_a_driver_replacement(backend: Any, aio: Any) -> None:
    info = backend.server.read_info()

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]], bool]:
        store = backend.server.store(info)  # a store of its own: the shared one stays as is
        started, go_on = asyncio.Event(), asyncio.Event()
        runs = 0

        async def work(tx: Transaction) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            nonlocal runs
            runs += 1
            first = await tx.run(query("store.ping"))
            started.set()
            await go_on.wait()
            return first, await tx.run(query("store.ping"))

        try:
            in_flight = asyncio.ensure_future(store.read_tx(work))
            await started.wait()
            old = store._driver
            await store._recover(store._generation, RuntimeError("a caller saw the server go"))
            assert store._driver is None  # replaced: the next caller gets a new one
            go_on.set()
            first, second = await in_flight
            # on its own connection to the end: not cut off, so not retried by the driver
            assert runs == 1
            assert old is not None
            # once its last caller is done the old driver is closed (a new session fails)
            with pytest.raises(Exception, match="closed"):
                async with old.session() as session:
                    await session.run("RETURN 1")
            after = await store.read(query("store.ping"))
            return first + second, after, store._driver is not old
        finally:
            await store.close()

    rows, after, new_driver = aio(scenario())
    assert rows == [{"ok": 1}, {"ok": 1}]
    assert after == [{"ok": 1}]
    assert new_driver
