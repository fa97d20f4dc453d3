"""Notice a lost store in seconds while the shell waits on it.

Inside one transaction the driver retries an unreachable server for up to 20 s before it
gives up, so a statement sent to a store that just died would sit silent that long. While
work waits, :func:`watched` pings the store every few seconds on a connection of its
own; a ping fails at once when the server is gone, and the work is cancelled and the
store's :class:`~graphflow.errors.StoreUnavailableError` raised instead. An embedded store
is restarted by the ping itself (the store's recovery), so the work then goes on.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, TypeVar

from graphflow.errors import StoreUnavailableError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine
    from typing import Any

    from graphflow.store import Store

__all__ = ["PROBE_INTERVAL", "watched"]

T = TypeVar("T")

#: seconds between pings while work waits on the store
PROBE_INTERVAL = 2.0
#: a server that does not answer a ping in this time is as good as gone (a hung host)
PROBE_TIMEOUT = 5.0


async def _probe(store: Callable[[], Awaitable[Store]], interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        client = await store()
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                await client.check()  # raises StoreUnavailableError when the server is gone
        except TimeoutError:
            raise StoreUnavailableError(
                f"cannot reach the graph store at {client.uri}: no answer to a ping "
                f"within {PROBE_TIMEOUT:.0f} s"
            ) from None


async def watched(
    store: Callable[[], Awaitable[Store]],
    work: Coroutine[Any, Any, T],
    *,
    interval: float = PROBE_INTERVAL,
) -> T:
    """``await work``, cancelled with the store's error if a ping shows the store is gone.

    Exceptions of ``work`` come out as they are (not wrapped in an ExceptionGroup); when
    the ping fails, ``work`` is cancelled and the ping's error is raised.
    """
    try:
        async with asyncio.TaskGroup() as group:
            probe = group.create_task(_probe(store, interval), name="graphflow-shell-probe")
            try:
                return await work
            finally:
                probe.cancel()  # work is done (or failed): stop pinging
    except BaseExceptionGroup as failed:
        # one failure at most: work's own error, or the ping's (work was then cancelled)
        errors = [e for e in failed.exceptions if not isinstance(e, asyncio.CancelledError)]
        error = errors[0] if errors else failed.exceptions[0]
        raise error from error.__cause__
