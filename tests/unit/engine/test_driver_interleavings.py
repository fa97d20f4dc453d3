"""Random interleavings of steps, kills, pauses and commits through the one driver (issue 20).

The runner and the group-commit writer are the real ones; only the store under the writer
is a fake that lets the test decide, write by write, whether a commit lands or fails, and
when. Hypothesis draws the order of everything: which commit fails, when a kill or a pause
arrives (before, during or after a step; while a child runs), when the test lets time pass.

Whatever the order, these hold:
- every process ends (nothing hangs), in a terminal state in memory;
- what the store saw of each process is a walk through the state table (no state follows a
  terminal one, every state is reachable from the one before);
- the store holds a consistent prefix of each process's history: once a write of a process
  has failed, no later write of that process lands, except the record of its end
  (excepted or killed), which holds no checkpoint and no new data;
- a process none of whose writes failed ends in the store exactly as in memory;
- a killed parent leaves no child running.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import types
from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphflow as gf
from graphflow.clock import FakeClock
from graphflow.engine._runner import Runner
from graphflow.engine._states import TRANSITIONS
from graphflow.errors import QueryError, StoreError
from graphflow.orm import load_profile
from graphflow.store import PkAllocator
from graphflow.store._writer import GroupCommitWriter, WriteBatch
from graphflow.types import ProcessState

#: how long a scenario may take to drain once every process is played and every commit lands
DRAIN_SECONDS = 20.0


class Child(gf.WorkChain):
    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.input("x", valid_type=gf.Int)
        spec.outline(cls.first, cls.second)
        spec.output("y", valid_type=gf.Int)

    def first(self) -> None:
        self.ctx.value = self.inputs.x.value + 1

    def second(self) -> None:
        self.out("y", gf.Int(self.ctx.value).store())


class Parent(gf.WorkChain):
    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.input("x", valid_type=gf.Int)
        spec.outline(cls.start, cls.launch, cls.collect)
        spec.output("y", valid_type=gf.Int)

    def start(self) -> None:
        self.ctx.kept = gf.Int(self.inputs.x.value * 10).store()

    def launch(self) -> Any:
        return gf.ToContext(child=self.submit(Child, x=self.inputs.x))

    def collect(self) -> None:
        self.out("y", self.ctx.child.outputs.y)


class GatedStore:
    """The store under the writer: each transaction waits for the test's verdict."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.verdicts: asyncio.Queue[bool] = asyncio.Queue()
        self.waiting = 0
        self.applied: list[dict[str, Any]] = []  # statement parameters of landed commits
        self._pks = itertools.count(1)

    async def write_tx(self, apply: Any, *, tags: Any = None) -> None:
        tx = _RecordingTx()
        await apply(tx)
        self.waiting += 1
        try:
            lands = await self.verdicts.get()
        finally:
            self.waiting -= 1
        if not lands:
            raise QueryError("the test failed this commit")
        self.applied.extend(tx.statements)

    async def write(self, statement: Any, **params: Any) -> list[dict[str, Any]]:
        assert statement.name == "store.reserve_pks", statement.name
        first = next(self._pks)
        for _ in range(params["count"] - 1):
            next(self._pks)
        return [{"first": first}]

    async def read(self, statement: Any, **params: Any) -> list[dict[str, Any]]:
        raise AssertionError(f"a local runner read {statement.name}: it has its children")


class _RecordingTx:
    def __init__(self) -> None:
        self.statements: list[dict[str, Any]] = []

    async def run(self, statement: Any, **params: Any) -> list[dict[str, Any]]:
        self.statements.append(params)
        return [{"ok": 1}]  # the write statement's row: no fence failed


def states_written(statements: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each process node's process_state values, in the order the store took them."""
    seen: dict[str, list[str]] = defaultdict(list)
    for params in statements:
        for name, rows in params.items():
            for row in rows:
                props = row.get("props", row) if name == "updates" else row
                if name.startswith("nodes_") or name == "updates":
                    state = props.get("process_state")
                    if state is not None:
                        seen[row["uuid"]].append(state)
    return seen


def reachable(a: ProcessState, b: ProcessState) -> bool:
    frontier, seen = [a], {a}
    while frontier:
        state = frontier.pop()
        if state is b:
            return True
        for (source, _event), target in TRANSITIONS.items():
            if source is state and target not in seen:
                seen.add(target)
                frontier.append(target)
    return False


def touches(batch: WriteBatch, uuid: str) -> bool:
    return uuid in batch.updates or any(
        row["uuid"] == uuid for rows in batch.creates.values() for row in rows
    )


def writes_end(batch: WriteBatch, uuid: str) -> bool:
    """Whether ``batch`` writes a terminal state of ``uuid``."""
    rows = [batch.updates.get(uuid, {})]
    rows += [row for rows in batch.creates.values() for row in rows if row["uuid"] == uuid]
    return any(row.get("process_state") in {"finished", "excepted", "killed"} for row in rows)


def ends_only(batch: WriteBatch, uuid: str) -> bool:
    """Whether ``batch`` only records the end of ``uuid``: a terminal state, no checkpoint,
    no new node, no link (log records allowed)."""
    props = batch.updates.get(uuid, {})
    return (
        not any(batch.creates.values())
        and not any(batch.links.values())
        and set(batch.updates) == {uuid}
        and props.get("process_state") in {"excepted", "killed"}
        and props.get("checkpoint") is None
    )


ACTIONS = st.one_of(
    st.just(("commit",)),
    st.just(("fail",)),
    st.just(("wait",)),
    st.tuples(st.sampled_from(["kill", "pause", "play"]), st.integers(0, 2)),
)


async def scenario(parents: int, actions: list[tuple[Any, ...]]) -> None:
    store = GatedStore()
    writer = GroupCommitWriter(store)  # type: ignore[arg-type]
    submitted: list[tuple[WriteBatch, asyncio.Future[None]]] = []
    submit = writer.submit

    def recording(batch: WriteBatch, **kwargs: Any) -> asyncio.Future[None]:
        future = submit(batch, **kwargs)
        submitted.append((batch, future))
        return future

    writer.submit = recording  # type: ignore[method-assign]
    writer_task = asyncio.create_task(writer.run())
    backend = types.SimpleNamespace(
        store=store, writer=writer, pks=PkAllocator(store), profile=load_profile()
    )
    runner = Runner(backend, slots=4)  # type: ignore[arg-type]
    started: list[Any] = []  # every process the runner drove, children included
    start = runner.start

    def recording_start(process: Any, **kwargs: Any) -> Any:
        handle = start(process, **kwargs)
        started.append(handle)
        return handle

    runner.start = recording_start  # type: ignore[method-assign]
    handles = [runner.start(Parent({"x": gf.Int(i)})) for i in range(parents)]
    killed: set[int] = set()
    control: list[asyncio.Task[bool]] = []
    try:
        for action in actions:
            kind = action[0]
            if kind in ("commit", "fail"):
                if store.waiting:
                    store.verdicts.put_nowait(kind == "commit")
                await asyncio.sleep(0)
            elif kind == "wait":
                await asyncio.sleep(0.002)
            else:
                # as a user's RPC would: the control call runs beside the test (pausing
                # writes the flag, which waits for a verdict like any write)
                index = action[1] % parents
                uuid = handles[index].node.uuid
                if kind == "kill":
                    killed.add(index)
                    control.append(asyncio.create_task(runner.kill(uuid, "killed by the test")))
                else:
                    call = runner.pause if kind == "pause" else runner.play
                    control.append(asyncio.create_task(call(uuid)))
                await asyncio.sleep(0)
        # drain: everything is played and every commit lands from now on
        loop = asyncio.get_running_loop()
        until = loop.time() + DRAIN_SECONDS
        while not all(h.terminated.done() for h in started):
            assert loop.time() < until, "a process never ended: " + ", ".join(
                f"{h.process.process_label()} {h.process.state.value}" for h in handles
            )
            control.extend(
                asyncio.create_task(runner.play(handle.node.uuid))
                for handle in runner.active
                if not handle.play.is_set()
            )
            if store.waiting:
                store.verdicts.put_nowait(True)
            await asyncio.sleep(0.001)
        while store.waiting or writer._queue or not all(t.done() for t in control):
            assert loop.time() < until, "a write or a control call never ended"
            if store.waiting:
                store.verdicts.put_nowait(True)
            await asyncio.sleep(0.001)
        for task in control:
            # pausing or playing writes the flag: that write may be failed by the test, or
            # not attempted after an earlier failed write of the process; nothing else
            with contextlib.suppress(StoreError):
                task.result()
    finally:
        await runner.close()
        await writer.close()
        while store.waiting:
            store.verdicts.put_nowait(True)
            await asyncio.sleep(0)
        await writer_task

    everyone = [h.process for h in started]
    for handle in handles:
        child = handle.process.ctx.get("child") if hasattr(handle.process, "ctx") else None
        if child is not None:
            assert child.process_state.is_terminal
    written = states_written(store.applied)
    for process in everyone:
        uuid = process.node.uuid
        assert process.state.is_terminal, f"{uuid} ended {process.state.value}"
        states = [ProcessState(s) for s in written.get(uuid, [])]
        for earlier, later in itertools.pairwise(states):
            assert not earlier.is_terminal, f"{uuid}: {later.value} written after {earlier.value}"
            assert reachable(earlier, later), f"{uuid}: {earlier.value} then {later.value}"
        mine = [(b, f) for b, f in submitted if touches(b, uuid)]
        landed = [b for b, f in mine if f.done() and not f.cancelled() and not f.exception()]
        ended_at = next((i for i, b in enumerate(landed) if writes_end(b, uuid)), None)
        if ended_at is not None:
            assert ended_at == len(landed) - 1, f"{uuid}: written to after its end"
        failed_at = next(
            (i for i, (_, f) in enumerate(mine) if f.cancelled() or f.exception() is not None),
            None,
        )
        if failed_at is None:
            assert states, f"{uuid} wrote no state"
            assert states[-1] is process.state, (uuid, states, process.state)
            continue
        for batch, future in mine[failed_at + 1 :]:
            landed = future.done() and not future.cancelled() and future.exception() is None
            assert not landed or ends_only(batch, uuid), (
                f"{uuid}: a write landed after an earlier write of the process failed"
            )
    for index in killed:
        process = handles[index].process
        for entry in getattr(process, "awaiting", []):
            child = runner.handle(entry["uuid"])
            assert child is None or child.process.state.is_terminal


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(parents=st.integers(1, 3), actions=st.lists(ACTIONS, max_size=40))
def test_any_interleaving_of_steps_kills_and_commits_keeps_the_rules(
    parents: int, actions: list[tuple[Any, ...]]
) -> None:
    asyncio.run(scenario(parents, actions))
