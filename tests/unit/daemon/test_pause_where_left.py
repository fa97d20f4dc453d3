"""A daemon worker pauses a process that the store did not answer for, once it can.

Runner._leave_for_the_store lets such a process go at its last checkpoint; the worker
then writes it paused and ownerless, trying again while the store is still away, and
hands its task back, so that whichever worker takes it holds it paused until ``play``.
"""

from __future__ import annotations

import asyncio
import logging
import types
from typing import TYPE_CHECKING, Any

import pytest

from graphflow.daemon._worker import Worker
from graphflow.engine._owner import this_owner
from graphflow.errors import OwnershipLostError, StoreUnavailableError
from graphflow.orm import ProcessNode, load_profile

if TYPE_CHECKING:
    from graphflow.store import WriteBatch


class Writer:
    """Refuses the first ``away`` writes as the store's deadline does, then takes them."""

    def __init__(self, away: int, then: Exception | None = None) -> None:
        self.away = away
        self.then = then
        self.tries = 0
        self.written: list[WriteBatch] = []

    async def write(self, batch: WriteBatch) -> None:
        self.tries += 1
        if self.tries <= self.away:
            raise StoreUnavailableError("cannot reach the graph store (tried 9 times over 60 s)")
        if self.then is not None:
            raise self.then
        self.written.append(batch)


def worker_with(writer: Writer) -> Worker:
    backend = types.SimpleNamespace(writer=writer, profile=load_profile())
    return Worker(backend, types.SimpleNamespace(), types.SimpleNamespace(), slots=1)  # type: ignore[arg-type]


def node() -> ProcessNode:
    process = ProcessNode(process_type="t", process_label="T")
    process._pk = 7  # as if loaded from the store
    return process


def test_the_pause_is_written_once_the_store_answers(caplog: Any) -> None:
    writer = Writer(away=2)
    stuck = node()
    asyncio.run(worker_with(writer)._pause_where_left(stuck))
    assert writer.tries == 3
    [batch] = writer.written
    assert batch.updates[stuck.uuid] == {"paused": True, "owner": None}
    assert batch.fences == {stuck.uuid: this_owner()}  # only while it is still this worker's
    assert "graphflow process play 7" in caplog.text


@pytest.mark.parametrize(
    ("then", "said"),
    [
        (OwnershipLostError("u", "me", "another"), "taken over meanwhile"),
        (StoreUnavailableError("gone"), None),
    ],
)
def test_a_stop_or_a_takeover_ends_the_tries(
    caplog: Any, then: Exception, said: str | None
) -> None:
    caplog.set_level(logging.INFO)
    writer = Writer(away=1, then=then)
    worker = worker_with(writer)

    def stop() -> None:
        worker.stopping = True
        worker._until_stopped.end_now()

    async def go() -> None:
        if said is None:  # the store never comes back: the worker stops meanwhile
            asyncio.get_running_loop().call_later(0.8, stop)
        await worker._pause_where_left(node())

    asyncio.run(asyncio.wait_for(go(), 30))
    assert not writer.written
    assert (said or "handed back unpaused") in caplog.text
