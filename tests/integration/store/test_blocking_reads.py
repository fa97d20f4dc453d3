"""Named reads from synchronous code run in the calling thread, on the real store.

:meth:`Store.read_blocking` is a fast path: it must give exactly what :meth:`Store.read`
gives, hand anything it cannot answer back to the loop (None), and never wait for ever.
"""

from __future__ import annotations

import dataclasses
import datetime
import socket
import threading
from typing import Any

import pytest

import graphflow as gf
from graphflow import lineage
from graphflow.errors import (
    GraphflowError,
    NotExistentError,
    QueryError,
    StoreUnavailableError,
)
from graphflow.orm import read_now
from graphflow.store import _blocking, query
from graphflow.store._blocking import BlockingReads

pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture
def store(backend: Any, aio: Any) -> Any:
    """A store of its own on the session's server, closed after the test."""
    own = backend.server.store(backend.server.read_info())
    yield own
    aio(own.close())


def test_a_blocking_read_gives_what_a_read_on_the_loop_gives(store: Any, aio: Any) -> None:
    node = gf.Int(41).store()
    here = store.read_blocking(query("orm.get_node_by_pk"), pk=node.pk)
    there = aio(store.read(query("orm.get_node_by_pk"), pk=node.pk))
    assert here is not None
    assert [dict(row["node"].items()) for row in here] == [
        dict(row["node"].items()) for row in there
    ]
    assert here[0]["node"]["value"] == 41
    assert type(here[0]["node"]["ctime"]) is datetime.datetime  # hydrated as the store's
    assert store.read_blocking(query("orm.get_node_by_pk"), pk=-5) == []


def test_threads_read_at_once_and_sessions_are_kept_up_to_the_limit(store: Any, aio: Any) -> None:
    nodes = [gf.Int(i).store() for i in range(12)]
    errors: list[BaseException] = []

    def reader(node: Any) -> None:
        try:
            for _ in range(20):
                rows = store.read_blocking(query("orm.get_node_by_pk"), pk=node.pk)
                assert rows is not None
                assert rows[0]["node"]["value"] == node.value
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=reader, args=(node,)) for node in nodes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    idle = [session for _, session in store._blocking._idle]
    assert 1 <= len(idle) <= _blocking.IDLE_SESSIONS
    aio(store.close())
    assert store._blocking._driver is None
    assert all(session.closed() for session in idle)


def test_a_statement_the_server_refuses_is_left_to_the_loop(store: Any, aio: Any) -> None:
    broken = dataclasses.replace(query("store.ping"), name="test.broken", text="RETURN nope(")
    assert store.read_blocking(query("store.ping")) == [{"ok": 1}]
    driver = store._blocking._driver
    assert store.read_blocking(broken) is None
    assert store._blocking._driver is driver  # the connection was fine: kept
    assert len(store._blocking._idle) == 0  # the session that saw the error was not
    with pytest.raises(QueryError, match=r"test\.broken"):
        aio(store.read(broken))  # the loop's read reports it, as for every read


def test_a_write_or_wrong_parameters_are_refused_before_any_io(store: Any) -> None:
    with pytest.raises(QueryError, match="not a read"):
        store.read_blocking(query("schema.set_version"), version=1)
    with pytest.raises(QueryError, match="missing \\['pk'\\]"):
        store.read_blocking(query("orm.get_node_by_pk"))


def test_an_unreachable_server_is_left_to_the_loop(store: Any) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    reads = BlockingReads(store._auth, store.database, timeout=5.0)
    assert reads.read(f"bolt://127.0.0.1:{port}", "store.ping", "RETURN 1", {}) is None
    assert reads._driver is None  # forgotten: the next read starts afresh


def test_a_new_uri_gets_a_new_driver(store: Any) -> None:
    reads = BlockingReads(store._auth, store.database, timeout=5.0)
    try:
        assert reads.read(store.uri, "store.ping", "RETURN 1 AS ok", {}) == [{"ok": 1}]
        first = reads._driver
        other = store.uri.replace("127.0.0.1", "localhost")
        assert other != store.uri
        assert reads.read(other, "store.ping", "RETURN 1 AS ok", {}) == [{"ok": 1}]
        assert reads._driver is not first
        assert reads._uri == other
    finally:
        reads.close()


def test_a_read_that_outlasts_the_timeout_is_reported_not_waited_for(store: Any) -> None:
    reads = BlockingReads(store._auth, store.database, timeout=0.3)
    slow = "UNWIND range(1, 3000000) AS x RETURN count(x) AS c"  # about 1.5 s here
    with pytest.raises(StoreUnavailableError, match=r"test\.slow on .* longer than 0 s"):
        reads.read(store.uri, "test.slow", slow, {})
    assert reads._driver is None


@gf.calcfunction
def double(x: Any) -> Any:
    return gf.Int(2 * x.value)


@gf.workfunction
def twice_double(x: Any) -> Any:
    return double(double(x))


def test_read_now_reads_in_the_calling_thread(
    backend: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = gf.Int(3).store()
    target = gf.Int(4).store()
    result, run = twice_double.run_get_node(gf.Int(5))

    async def not_on_the_loop(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("read on the loop")

    monkeypatch.setattr(backend.store, "read", not_on_the_loop)
    assert read_now("orm.get_node_by_pk", pk=node.pk)[0]["node"]["value"] == 3
    assert gf.load_node(node.pk).value == 3
    assert gf.load_node(node.uuid[:8]).pk == node.pk
    assert lineage.ancestors(target) == []
    # a process loaded afresh reads its links here too
    workflow = gf.load_node(run.pk)
    assert workflow.inputs.x.value == 5
    assert workflow.outputs.result.value == result.value == 20
    first, second = workflow.called
    assert first.caller.pk == workflow.pk
    middle = second.inputs.x
    assert middle.value == 10
    found = [n.pk for n in lineage.ancestors(result)]
    assert found == [workflow.inputs.x.pk, first.pk, middle.pk, second.pk]
    with pytest.raises(NotExistentError, match="no node with pk -1"):
        gf.load_node(-1)


def test_read_now_falls_back_to_the_loop(backend: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    node = gf.Int(5).store()
    monkeypatch.setattr(backend.store, "read_blocking", lambda *args, **kwargs: None)
    assert read_now("orm.get_node_by_pk", pk=node.pk)[0]["node"]["value"] == 5


def test_read_now_refuses_graphflows_own_loop(aio: Any) -> None:
    async def on_the_loop() -> None:
        read_now("store.ping")

    with pytest.raises(GraphflowError, match="await the asynchronous API"):
        aio(on_the_loop())
