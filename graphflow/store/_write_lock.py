"""Turns to write across the processes that share an embedded store.

ArcadeDB commits optimistically: a transaction fails if another committed a change it
cannot merge with (the same record, or a page it could not rebase) meanwhile. Retrying
does not help the writer with the longer transactions: another commits again before its
retry ends, and it starved until it gave up (seen filling the W6 store with two
processes, and in tests/integration/store/test_write_turns.py).

Serialising every write removed the conflicts but cost up to a fifth of a daemon's CalcJob
throughput (W4, 7-21% in interleaved runs), because most concurrent writes never conflict.
So writers share the store, and a transaction that lost a conflict runs its next try
alone: it waits for the writes in flight to finish, new writers wait for it, and it
cannot lose again. A gate in front of the turn keeps a stream of shared writers from
starving the one that waits to be alone.

All clients of an embedded store run on its host (the server listens on loopback only),
so advisory ``flock`` locks on files beside the database are seen by all of them, and the
kernel drops a dead holder's locks. Neo4j locks what a transaction writes and needs none
of this.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from typing import TYPE_CHECKING

from graphflow.errors import StoreError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from pathlib import Path

__all__ = ["WriteLock"]


class WriteLock:
    """Shared turns to write, or one exclusive turn, over every process that locks ``path``.

    Entering a turn passes the gate (``path`` with the suffix ``.gate``): a writer that
    waits to be alone holds it, so writers that come later queue behind it. Within a
    process an :class:`asyncio.Lock` lets one task at a time through the gate, so at most
    one thread per process blocks in ``flock``. A lock is tried once without blocking (an
    uncontended turn costs no thread), then waited for in a thread rather than polled, so
    the kernel hands it to the next waiter as soon as it is free. Each turn opens
    its files and closes them, which releases the locks, so no descriptor outlives a turn
    or leaks into a forked child.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.gate_path = path.with_name(path.name + ".gate")
        self._local_gate: asyncio.Lock | None = None

    @contextlib.asynccontextmanager
    async def held(self, *, alone: bool = False) -> AsyncIterator[None]:
        """Hold a turn for the body of the ``async with``: shared with other writers, or,
        with ``alone``, exclusive (for a transaction that lost a conflict)."""
        if self._local_gate is None:
            self._local_gate = asyncio.Lock()
        async with self._local_gate:
            gate = await _flock(self.gate_path, fcntl.LOCK_EX)
            try:
                turn = await _flock(self.path, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
            finally:
                os.close(gate)
        try:
            yield
        finally:
            os.close(turn)


async def _flock(path: Path, operation: int) -> int:
    """Open ``path`` and lock it: at once when it is free, else waiting in a worker
    thread. Returns the open descriptor, which holds the lock until it is closed."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, operation | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            pass
        except BaseException:
            os.close(fd)
            raise
        taking = asyncio.ensure_future(asyncio.to_thread(_wait_for_lock, fd, operation))
        try:
            await asyncio.shield(taking)
        except BaseException:
            # cancelled while the thread still waits: it gives the lock back once
            # it has it, by closing the descriptor
            taking.add_done_callback(_give_back(fd))
            raise
        return fd
    except OSError as exc:
        raise StoreError(f"cannot lock {path} for writing: {exc}") from exc


def _wait_for_lock(fd: int, operation: int) -> None:
    try:
        fcntl.flock(fd, operation)
    except BaseException:
        os.close(fd)
        raise


def _give_back(fd: int) -> Callable[[asyncio.Future[None]], None]:
    """Close ``fd`` once a waiting thread abandoned by its task has the lock (a thread that
    failed closed it already)."""

    def close_if_taken(taking: asyncio.Future[None]) -> None:
        if not taking.cancelled() and taking.exception() is None:
            os.close(fd)

    return close_if_taken
