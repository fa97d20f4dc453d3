"""Woken parents read their children together (issue 22: a fan-in wakes thousands at once).

:class:`graphflow.orm.ProcessReader` gathers the loads asked for while the loop is busy
into queries of at most ``MOST_PER_READ`` uuids; these tests count the queries on the real
store and check what each waiter gets.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import graphflow as gf
from graphflow import _loop
from graphflow.errors import StoreError
from graphflow.orm import ProcessReader, get_backend
from graphflow.orm._batched import MOST_PER_READ

pytestmark = pytest.mark.usefixtures("backend")


@gf.calcfunction
def split(x: gf.Int) -> dict[str, gf.Int]:
    return {"half": gf.Int(x.value // 2), "rest": gf.Int(x.value - x.value // 2)}


def counted_reads(backend: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sizes: list[int] = []
    read = backend.store.read

    async def counting(statement: Any, **params: Any) -> Any:
        sizes.append(len(params.get("uuids", [])))
        return await read(statement, **params)

    monkeypatch.setattr(backend.store, "read", counting)
    return sizes


def test_a_crowd_of_loads_is_a_few_queries_with_outputs_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nodes = [split.run_get_node(gf.Int(i))[1] for i in range(5)]
    missing = "00000000-0000-4000-8000-000000000000"
    wanted = [nodes[i % 5].uuid for i in range(2 * MOST_PER_READ + 1)] + [missing]
    backend = _loop.call(get_backend())
    sizes = counted_reads(backend, monkeypatch)

    async def crowd() -> list[Any]:
        reader = ProcessReader(backend)
        return await asyncio.gather(*(reader.load(uuid) for uuid in wanted))

    loaded = _loop.call(crowd())

    # five distinct uuids and a missing one: one query, however many asked
    assert sizes == [6]
    assert loaded[-1] is None
    by_uuid = {node.uuid: node for node in loaded[:-1]}
    assert set(by_uuid) == {node.uuid for node in nodes}
    sizes.clear()
    for i, node in enumerate(nodes):
        got = by_uuid[node.uuid]
        assert got.is_finished_ok
        assert {k: v.value for k, v in got.outputs.items()} == {"half": i // 2, "rest": i - i // 2}
    assert sizes == []  # the outputs came with the load


def test_more_distinct_processes_than_one_query_holds_are_read_in_parts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    node = split.run_get_node(gf.Int(3))[1]
    absent = [f"00000000-0000-4000-8000-{i:012d}" for i in range(MOST_PER_READ + 10)]
    backend = _loop.call(get_backend())
    sizes = counted_reads(backend, monkeypatch)

    async def crowd() -> list[Any]:
        reader = ProcessReader(backend)
        return await asyncio.gather(*(reader.load(u) for u in [*absent, node.uuid]))

    loaded = _loop.call(crowd())

    assert sorted(sizes) == [11, MOST_PER_READ]
    assert loaded[:-1] == [None] * len(absent)
    assert loaded[-1].uuid == node.uuid


def test_a_failed_read_fails_every_waiter_and_the_next_read_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    node = split.run_get_node(gf.Int(8))[1]
    backend = _loop.call(get_backend())
    read = backend.store.read
    failures = [StoreError("the store went away for a moment")]

    async def failing_once(statement: Any, **params: Any) -> Any:
        if failures:
            raise failures.pop()
        return await read(statement, **params)

    monkeypatch.setattr(backend.store, "read", failing_once)
    reader = ProcessReader(backend)

    async def crowd() -> list[Any]:
        return await asyncio.gather(
            *(reader.load(node.uuid) for _ in range(3)), return_exceptions=True
        )

    first = _loop.call(crowd())
    assert [type(r) for r in first] == [StoreError] * 3
    second = _loop.call(crowd())
    assert [r.uuid for r in second] == [node.uuid] * 3
