"""Fetch completion metadata from the store in the background, off the interactive path.

The session asks for a refresh (at start, after a write, on ``:refresh``) and never
waits for it: :class:`Refresher` runs in the session's task group, reads labels,
relationship types, property keys, recent pks and the node count with the named
queries in ``cypher/shell/``, and hands the new :class:`Metadata` to a callback that
builds a new completer and swaps it in. When the store cannot be reached it says so
(the toolbar shows it) and tries again every few seconds until the store is back.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from typing import TYPE_CHECKING, Any

from graphflow.errors import GraphflowError, StoreUnavailableError
from graphflow.shell._completer import Metadata, NodeHint
from graphflow.shell._watchdog import watched
from graphflow.store import query

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from graphflow.store import Store

__all__ = ["Connection", "Refresher", "fetch_metadata"]

log = logging.getLogger(__name__)

#: nodes (and links) of each kind sampled for property keys
KEY_SAMPLE = 500
#: pks offered for completion, and how far below the highest pk they are looked for
RECENT_NODES = 200
RECENT_WINDOW = 10_000
#: deadline for one whole refresh
FETCH_TIMEOUT = 30.0
_GENERIC = frozenset({"Node", "Data", "Process", "Calculation", "Workflow"})


class Connection(enum.Enum):
    """What the session knows about the store (shown in the toolbar)."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    UNREACHABLE = "unreachable"


def _describe(row: dict[str, Any]) -> str:
    labels = [label for label in row["labels"] or () if label not in _GENERIC]
    kind = labels[0] if labels else "Node"
    if row.get("process_label"):
        return f"{kind} {row['process_label']} {row.get('process_state') or ''}".rstrip()
    if row.get("value") is not None:
        return f"{kind} = {str(row['value'])[:30]}"
    return kind


async def fetch_metadata(store: Store) -> Metadata:
    """One snapshot of what completion offers; every query is bounded (see cypher/shell)."""
    labels = await store.read(query("shell.labels"))
    types = await store.read(query("shell.relationship_types"))
    key_rows = await store.read(query("shell.property_keys"), sample=KEY_SAMPLE)
    recent = await store.read(query("shell.recent_nodes"), window=RECENT_WINDOW, limit=RECENT_NODES)
    count = await store.read(query("orm.count_nodes"))
    keys: dict[str, set[str]] = {}
    for row in key_rows:
        keys.setdefault(row["owner"], set()).add(row["key"])
    return Metadata(
        labels=tuple(row["label"] for row in labels),
        relationship_types=tuple(row["type"] for row in types),
        keys={owner: tuple(sorted(found)) for owner, found in keys.items()},
        nodes=tuple(NodeHint(row["pk"], _describe(row)) for row in recent),
        node_count=count[0]["count"] if count else 0,
    )


class Refresher:
    """Refreshes metadata when asked; owned by the session, run in its task group.

    ``store`` returns the connected store (it may connect first); ``on_refreshed``
    receives each new snapshot; ``on_connection`` hears when the store is lost or back.
    """

    def __init__(
        self,
        store: Callable[[], Awaitable[Store]],
        on_refreshed: Callable[[Metadata], None],
        on_connection: Callable[[Connection], None],
        *,
        retry_interval: float = 3.0,
    ) -> None:
        self._store = store
        self._on_refreshed = on_refreshed
        self._on_connection = on_connection
        self._retry_interval = retry_interval
        self._wanted = asyncio.Event()

    async def _fetch(self) -> Metadata:
        async def fetch() -> Metadata:
            return await fetch_metadata(await self._store())

        async with asyncio.timeout(FETCH_TIMEOUT):
            return await watched(self._store, fetch())

    def request(self) -> None:
        """Ask for a refresh soon; several requests before it starts make one refresh."""
        self._wanted.set()

    async def refresh_now(self) -> Metadata:
        """Refresh in the caller's task (``:refresh``: the user asked, and may Ctrl-C it)."""
        try:
            metadata = await self._fetch()
        except StoreUnavailableError:
            self._on_connection(Connection.UNREACHABLE)
            self.request()  # the background task keeps trying
            raise
        self._on_connection(Connection.CONNECTED)
        self._on_refreshed(metadata)
        return metadata

    async def run(self) -> None:
        """Serve requests until cancelled (the session cancels it when it ends)."""
        while True:
            await self._wanted.wait()
            self._wanted.clear()
            try:
                metadata = await self._fetch()
            except (StoreUnavailableError, TimeoutError) as exc:
                log.info("completion refresh: store unreachable (%s)", exc)
                self._on_connection(Connection.UNREACHABLE)
                await asyncio.sleep(self._retry_interval)
                self._wanted.set()  # keep trying: the toolbar shows when it is back
                continue
            except GraphflowError as exc:
                # completion falls back to what it had; the user's statements still work
                log.info("completion refresh failed: %s", exc)
                continue
            self._on_connection(Connection.CONNECTED)
            self._on_refreshed(metadata)
