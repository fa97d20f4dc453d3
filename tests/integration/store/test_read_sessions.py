"""Reads reuse the session of an earlier read that went well, and nothing else.

A session costs about as much to make as a small read's round trip to the embedded
server, so :meth:`Store.read` keeps the sessions of reads that went well for the next
ones. A session that saw an error, or whose driver was replaced, must never serve again.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from support.stores import new_store

from graphflow.errors import QueryError
from graphflow.store import _client as client
from graphflow.store import query

pytestmark = pytest.mark.usefixtures("backend")


def test_a_read_that_went_well_lends_its_session_to_the_next(backend: Any, aio: Any) -> None:
    async def scenario() -> None:
        store = new_store(backend)
        try:
            assert await store.read(query("store.ping")) == [{"ok": 1}]
            (kept,) = store._idle_reads
            assert await store.read(query("store.ping")) == [{"ok": 1}]
            assert store._idle_reads == [kept]  # the same one served again
            # concurrent reads each get a session; all are kept, up to the limit
            many = client.IDLE_READ_SESSIONS + 4
            rows = await asyncio.gather(*(store.read(query("store.ping")) for _ in range(many)))
            assert rows == [[{"ok": 1}]] * many
            assert len(store._idle_reads) == client.IDLE_READ_SESSIONS
            assert len(set(map(id, store._idle_reads))) == client.IDLE_READ_SESSIONS
        finally:
            idle = list(store._idle_reads)
            await store.close()
        assert store._idle_reads == []
        assert all(session.closed() for session in idle)

    aio(scenario())


def test_a_session_that_saw_an_error_is_closed_not_kept(backend: Any, aio: Any) -> None:
    broken = dataclasses.replace(query("store.ping"), name="test.broken", text="RETURN nope(")

    async def scenario() -> None:
        store = new_store(backend)
        try:
            await store.read(query("store.ping"))
            (kept,) = store._idle_reads
            with pytest.raises(QueryError, match=r"test\.broken"):
                await store.read(broken)
            assert store._idle_reads == []  # it took the kept session, and closed it
            assert kept.closed()
            assert await store.read(query("store.ping")) == [{"ok": 1}]  # a new session
            assert len(store._idle_reads) == 1
            assert store._idle_reads[0] is not kept
        finally:
            await store.close()

    aio(scenario())


def test_a_recovery_closes_the_kept_sessions_of_the_old_driver(backend: Any, aio: Any) -> None:
    async def scenario() -> None:
        store = new_store(backend)
        try:
            await store.read(query("store.ping"))
            (kept,) = store._idle_reads
            await store._recover(store._generation, RuntimeError("a caller saw the server go"))
            assert kept.closed()
            assert store._idle_reads == []
            assert await store.read(query("store.ping")) == [{"ok": 1}]
        finally:
            await store.close()

    aio(scenario())
