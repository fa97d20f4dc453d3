"""One writer at a time across the processes that share an embedded store.

ArcadeDB commits optimistically: a transaction fails if a page it changed was committed by
another transaction meanwhile. Every new node of a type is appended to the same last page
of that type's bucket, so two processes that write back to back (two daemon workers, two
scripts storing results) conflict on nearly every commit. Retrying does not help the
process with the longer transactions: the other one commits again before its retry ends,
and it starved until it gave up (seen filling the W6 store with two processes).

Taking turns removes the conflicts instead of retrying them. All clients of an embedded
store run on its host (the server listens on loopback only), so an advisory ``flock`` on a
file beside the database is a lock they all see, and the kernel drops it when a holder
dies. Neo4j locks what a transaction writes, so it needs none of this.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from typing import TYPE_CHECKING

from graphflow.errors import StoreError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

__all__ = ["WriteLock"]


class WriteLock:
    """An exclusive turn to write, shared by every process that locks the same file.

    Within a process, an :class:`asyncio.Lock` orders the tasks. The ``flock`` itself
    blocks in a worker thread, so the kernel wakes the next waiter as soon as a holder
    lets go; polling would let a busy holder take its next turn first, which is the
    starvation this lock exists to end. Each turn opens the file and closes it, which
    releases the lock, so no descriptor outlives a turn or leaks into a forked child.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local: asyncio.Lock | None = None

    def _take(self) -> int:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        return fd

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Hold the turn for the body of the ``async with``."""
        if self._local is None:
            self._local = asyncio.Lock()
        local = self._local
        await local.acquire()
        taking = asyncio.ensure_future(asyncio.to_thread(self._take))
        try:
            fd = await asyncio.shield(taking)
        except BaseException as exc:
            # cancelled while the thread still waits: when it gets the lock, give it back,
            # and only then let this process's next task take a turn
            taking.add_done_callback(lambda done: _give_back(done, local))
            if isinstance(exc, OSError):
                raise StoreError(f"cannot lock {self.path} for writing: {exc}") from exc
            raise
        try:
            yield
        finally:
            os.close(fd)
            local.release()


def _give_back(taking: asyncio.Future[int], local: asyncio.Lock) -> None:
    try:
        if not taking.cancelled() and taking.exception() is None:
            os.close(taking.result())
    finally:
        local.release()
