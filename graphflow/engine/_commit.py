"""Committing the writes of work that runs outside any process step.

A top-level process function (and everything it calls) collects its writes in one
scope. When it returns, the scope is committed and the caller waits until that is
durable. A function that is still running after :data:`GRACE` seconds commits what it
has so far once, so users see it running; one that returns sooner is written once.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from graphflow import _loop
from graphflow.orm import WriteScope

if TYPE_CHECKING:
    from graphflow.orm import Backend

__all__ = ["GRACE", "TopLevelCommit"]

#: seconds a top-level process function may run before its running state is written
GRACE = 0.5


class TopLevelCommit:
    """The write scope of top-level work, with an early commit for long-running work."""

    def __init__(self, backend: Backend, *, store: bool = True) -> None:
        self.scope = WriteScope(backend)
        self._backend = backend
        self._store = store
        self._pending: list[asyncio.Future[None]] = []
        self._timer: asyncio.TimerHandle | None = None
        if store:
            _loop.get_loop().call_soon_threadsafe(self._arm)

    def _arm(self) -> None:
        if self._store:
            self._timer = asyncio.get_running_loop().call_later(GRACE, self._commit_so_far)

    def _commit_so_far(self) -> None:
        self._timer = None
        taken = self.scope.take()
        if not taken.batch:
            taken.settle(durable=True)
            return
        # the rest of the function's writes land only if what it showed so far did
        last = self._pending[-1] if self._pending else None
        future = self._backend.writer.submit(taken.batch, after=last)

        def settle(done: asyncio.Future[None]) -> None:
            taken.settle(durable=not done.cancelled() and done.exception() is None)

        future.add_done_callback(settle)
        self._pending.append(future)

    async def _finish(self) -> None:
        # runs on the loop, so it cannot interleave with _arm or _commit_so_far
        self._store, storing = False, self._store
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if storing:
            self._commit_so_far()
        else:
            self.scope.take().settle(durable=False)  # nothing was to be stored
        if self._pending:
            await asyncio.gather(*self._pending)

    def finish(self) -> None:
        """Commit what is left and wait until everything is durable (from the caller's thread)."""
        _loop.call(self._finish())
