"""A store that does not answer in time never excepts a process (issue 22).

The runner and the group-commit writer run over a store that fails one chosen commit:
with the store's "cannot reach" error (what a store call raises past its deadline) the
process is left at its last durable checkpoint, nothing more of it is written, and the
error says how to continue it; with any other store error it is excepted, as before.
"""

from __future__ import annotations

import asyncio
import itertools
import types
from typing import Any

import pytest

import graphflow as gf
from graphflow.clock import FakeClock
from graphflow.engine._runner import Runner
from graphflow.errors import QueryError, StoreError, StoreUnavailableError
from graphflow.orm import load_profile
from graphflow.store import PkAllocator
from graphflow.store._writer import GroupCommitWriter


class ThreeSteps(gf.WorkChain):
    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.input("x", valid_type=gf.Int)
        spec.outline(cls.one, cls.two, cls.three)

    def one(self) -> None:
        self.ctx.n = 1

    def two(self) -> None:
        self.ctx.n = 2

    def three(self) -> None:
        self.ctx.n = 3


class FailingStore:
    """Lands every commit but the ``fail_at``-th, which raises ``error``."""

    def __init__(self, fail_at: int, error: StoreError) -> None:
        self.fail_at = fail_at
        self.error = error
        self.clock = FakeClock()
        self.commits = 0
        self.states: list[str] = []  # the process states the store took, in order
        self._pks = itertools.count(1)

    async def write_tx(self, apply: Any, *, tags: Any = None) -> None:
        tx = _Tx()
        await apply(tx)
        self.commits += 1
        if self.commits == self.fail_at:
            raise self.error
        for params in tx.statements:
            for name, rows in params.items():
                for row in rows:
                    props = row.get("props", row) if name == "updates" else row
                    if (name.startswith("nodes_") or name == "updates") and (
                        state := props.get("process_state")
                    ):
                        self.states.append(state)

    async def write(self, statement: Any, **params: Any) -> list[dict[str, Any]]:
        first = next(self._pks)
        for _ in range(params["count"] - 1):
            next(self._pks)
        return [{"first": first}]


class _Tx:
    def __init__(self) -> None:
        self.statements: list[dict[str, Any]] = []

    async def run(self, statement: Any, **params: Any) -> list[dict[str, Any]]:
        self.statements.append(params)
        return [{"ok": 1}]


async def run_over(store: FailingStore) -> tuple[Any, Any]:
    writer = GroupCommitWriter(store)  # type: ignore[arg-type]
    writer_task = asyncio.create_task(writer.run())
    backend = types.SimpleNamespace(
        store=store, writer=writer, pks=PkAllocator(store), profile=load_profile()
    )
    runner = Runner(backend, slots=4)  # type: ignore[arg-type]
    try:
        handle = await asyncio.wait_for(runner.run(ThreeSteps({"x": gf.Int(1)})), 30)
    finally:
        await runner.close()
        await writer.close()
        await writer_task
    return handle, store


UNREACHABLE = StoreUnavailableError("cannot reach the graph store (tried 41 times over 600 s)")


def commits_of_a_whole_run() -> int:
    _, store = asyncio.run(run_over(FailingStore(10**6, UNREACHABLE)))
    return int(store.commits)


@pytest.mark.parametrize("fail_at", [2, 3, "the last"])
def test_a_store_that_does_not_answer_leaves_the_process_at_its_checkpoint(
    fail_at: int | str,
) -> None:
    """Whichever commit the store does not take, the process is left, not ended: the
    last one included (its end, which in memory was already reached)."""
    if fail_at == "the last":
        fail_at = commits_of_a_whole_run()
    assert isinstance(fail_at, int)
    handle, store = asyncio.run(run_over(FailingStore(fail_at, UNREACHABLE)))
    assert handle.store_away
    assert isinstance(handle.exception, StoreUnavailableError)
    message = str(handle.exception)
    assert "left at its last checkpoint" in message
    assert f"graphflow process resume {handle.node.pk}" in message
    assert "tried 41 times" in message  # the store's own words are kept
    # nothing after the failed commit was written: no end, no later step
    assert store.commits == fail_at
    assert store.states
    assert not any(state in ("excepted", "finished", "killed") for state in store.states)


def test_any_other_store_error_still_excepts_the_process() -> None:
    handle, store = asyncio.run(run_over(FailingStore(2, QueryError("a statement failed"))))
    assert not handle.store_away
    assert store.states[-1] == "excepted"
