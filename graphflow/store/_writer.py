"""Group commit: many processes' writes, one transaction.

A Bolt round trip and an fsync cost milliseconds, so one transaction per process step caps
the engine at a few hundred steps per second. Instead every write (a step's new nodes,
links, state and checkpoint; a stored node; a log record) is a :class:`WriteBatch` handed
to the :class:`GroupCommitWriter`, which commits everything that is waiting in one
transaction and tells each submitter when its batch is durable.

Promises kept here:

- a batch is committed whole or not at all, and batches commit in submission order, so
  whatever a later batch refers to (a node, a link end) was committed with it or before;
- the writer retries a commit that failed because the store was unreachable, with
  back-off, for up to ``retry_budget`` seconds, and only then fails the batches;
- a group that fails for another reason is split, so one bad batch fails alone;
- a commit whose outcome is unknown (connection lost during COMMIT) is checked, by
  looking up the first node it creates, before it is retried; everything else in a batch
  (MERGE of links and logs, SET of properties) is idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphflow.errors import GraphflowError, StoreError, StoreUnavailableError
from graphflow.store._queries import query

if TYPE_CHECKING:
    from collections.abc import Iterator

    from graphflow.store._client import Store, Transaction

__all__ = ["GroupCommitWriter", "WriteBatch"]

log = logging.getLogger(__name__)

#: rows per statement
STORE_BATCH_SIZE = 1000
#: a group stops growing past this many rows (a single larger batch still goes alone)
MAX_GROUP_ROWS = 6000

_WRITE_QUERY = "store.write_batch"
_FIND_QUERY = "store.find_nodes"
_NODE_PREFIX = "nodes_"
_LINK_PREFIX = "links_"


def node_groups() -> frozenset[str]:
    """The label combinations the write statement can create (``Int``, ``WorkChain``, ...)."""
    return frozenset(
        p[len(_NODE_PREFIX) :] for p in query(_WRITE_QUERY).params if p.startswith(_NODE_PREFIX)
    )


@dataclass(slots=True)
class WriteBatch:
    """Writes that must commit together.

    ``creates`` maps a label combination (a group of :func:`node_groups`) to rows of
    properties of new nodes; ``links`` maps a link type (``INPUT``, ...) to rows
    ``{src, dst, label}``; ``updates`` maps a node uuid to properties to set (``None``
    removes one); ``logs`` are log records, each with its own ``uuid``. An update of a
    node created in the same batch is folded into its creation row.
    """

    creates: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    links: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    updates: dict[str, dict[str, Any]] = field(default_factory=dict)
    logs: list[dict[str, Any]] = field(default_factory=list)
    _created: dict[str, dict[str, Any]] = field(default_factory=dict)

    def create(self, group: str, row: dict[str, Any]) -> None:
        if group not in node_groups():
            raise StoreError(f"no node label combination {group!r} in {_WRITE_QUERY}")
        row = dict(row)
        self.creates[group].append(row)
        self._created[row["uuid"]] = row

    def link(self, link_type: str, src: str, dst: str, label: str) -> None:
        self.links[link_type].append({"src": src, "dst": dst, "label": label})

    def update(self, uuid: str, props: dict[str, Any]) -> None:
        """Set properties of a node; later updates of the same node win, key by key."""
        created = self._created.get(uuid)
        if created is not None:
            for key, value in props.items():
                if value is None:
                    created.pop(key, None)
                else:
                    created[key] = value
            return
        self.updates.setdefault(uuid, {}).update(props)

    def add_log(self, row: dict[str, Any]) -> None:
        self.logs.append(row)

    def extend(self, other: WriteBatch) -> None:
        """Append ``other`` after this batch (its updates override this one's)."""
        for group, rows in other.creates.items():
            for row in rows:
                self.create(group, row)
        for link_type, rows in other.links.items():
            self.links[link_type].extend(rows)
        for uuid, props in other.updates.items():
            self.update(uuid, props)
        self.logs.extend(other.logs)

    @property
    def row_count(self) -> int:
        return (
            sum(len(rows) for rows in self.creates.values())
            + sum(len(rows) for rows in self.links.values())
            + len(self.updates)
            + len(self.logs)
        )

    def __bool__(self) -> bool:
        return self.row_count > 0

    def first_created_uuid(self) -> str | None:
        return next(iter(self._created), None)

    def statements(self) -> Iterator[dict[str, Any]]:
        """Parameters of the write statement, as few as fit: new nodes first, then
        updates, links and logs (later statements may refer to earlier ones' nodes)."""
        empty: dict[str, list[dict[str, Any]]] = {name: [] for name in query(_WRITE_QUERY).params}
        sections: list[tuple[str, list[dict[str, Any]]]] = [
            (_NODE_PREFIX + group, rows) for group, rows in self.creates.items()
        ]
        sections.append(("updates", [{"uuid": u, "props": p} for u, p in self.updates.items()]))
        sections += [(_LINK_PREFIX + t, rows) for t, rows in self.links.items()]
        sections.append(("logs", self.logs))
        params: dict[str, Any] = dict(empty)
        size = 0
        for name, rows in sections:
            if name not in empty:
                raise StoreError(f"{_WRITE_QUERY} has no parameter {name!r}")
            start = 0
            while start < len(rows):
                room = STORE_BATCH_SIZE - size
                chunk = rows[start : start + room]
                params[name] = params[name] + chunk
                size += len(chunk)
                start += len(chunk)
                if size >= STORE_BATCH_SIZE:
                    yield params
                    params, size = dict(empty), 0
        if size:
            yield params

    async def apply(self, tx: Transaction) -> None:
        """Run the batch in ``tx``: one statement unless it is large."""
        for params in self.statements():
            await tx.run(query(_WRITE_QUERY), **params)


@dataclass(slots=True)
class _Pending:
    batch: WriteBatch
    done: asyncio.Future[None]


class GroupCommitWriter:
    """Commits submitted batches in order, grouping whatever is waiting into one transaction.

    Owned by the runtime of one profile: :meth:`run` is its task, :meth:`close` ends it
    after everything submitted before has been committed (or has failed).
    """

    def __init__(self, store: Store, *, retry_budget: float = 600.0) -> None:
        self._store = store
        self._retry_budget = retry_budget
        self._queue: list[_Pending] = []
        self._wakeup = asyncio.Event()
        self._closing = False
        self.commits = 0
        self.batches = 0

    def submit(self, batch: WriteBatch) -> asyncio.Future[None]:
        """Queue ``batch``; the future resolves when it is durable (or fails with the error)."""
        if self._closing:
            raise StoreError("the store writer is closed; nothing more can be written")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if not batch:
            done.set_result(None)
            return done
        self._queue.append(_Pending(batch, done))
        self._wakeup.set()
        return done

    async def write(self, batch: WriteBatch) -> None:
        """Submit ``batch`` and wait until it is durable."""
        await self.submit(batch)

    async def run(self) -> None:
        """Commit until closed; never raises for a failed batch (its submitter gets it)."""
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                group = self._take_group()
                await self._commit_group(group)
            if self._closing:
                return

    async def close(self) -> None:
        """Stop accepting writes; :meth:`run` returns once the queue is empty."""
        self._closing = True
        self._wakeup.set()

    def _take_group(self) -> list[_Pending]:
        group = [self._queue.pop(0)]
        rows = group[0].batch.row_count
        while self._queue and rows + self._queue[0].batch.row_count <= MAX_GROUP_ROWS:
            item = self._queue.pop(0)
            rows += item.batch.row_count
            group.append(item)
        return group

    async def _commit_group(self, group: list[_Pending]) -> None:
        live = [item for item in group if not item.done.cancelled()]
        if not live:
            return
        merged = WriteBatch()
        for item in live:
            merged.extend(item.batch)
        try:
            await self._commit(merged)
        except GraphflowError as exc:
            if len(live) > 1 and not exc.retryable:
                # one bad batch must not fail its neighbours: commit them one by one
                for item in live:
                    await self._commit_group([item])
                return
            for item in live:
                if not item.done.done():
                    item.done.set_exception(exc)
            return
        self.commits += 1
        self.batches += len(live)
        for item in live:
            if not item.done.done():
                item.done.set_result(None)

    async def _commit(self, batch: WriteBatch) -> None:
        """Commit ``batch``, retrying while the store is unreachable, within the budget."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._retry_budget
        delay = 0.1
        while True:
            try:
                await self._store.write_tx(batch.apply, tags={"query": "group_commit"})
                return
            except StoreUnavailableError as exc:
                if await self._landed(batch):
                    return
                if loop.time() + delay > deadline:
                    raise StoreUnavailableError(
                        f"{exc} (gave up after retrying for {self._retry_budget:.0f} s)"
                    ) from exc
                log.warning("store write failed (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 5.0)

    async def _landed(self, batch: WriteBatch) -> bool:
        """Whether a commit whose outcome was unknown did happen (its first node exists)."""
        marker = batch.first_created_uuid()
        if marker is None:
            return False  # nothing non-idempotent in it: committing again is harmless
        with contextlib.suppress(StoreUnavailableError):
            found = await self._store.read(query(_FIND_QUERY), uuids=[marker])
            return bool(found)
        return False
