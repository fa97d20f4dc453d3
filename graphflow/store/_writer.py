"""Group commit: many processes' writes, one transaction.

A Bolt round trip and an fsync cost milliseconds, so one transaction per process step caps
the engine at a few hundred steps per second. Instead every write (a step's new nodes,
links, state and checkpoint; a stored node; a log record) is a :class:`WriteBatch` handed
to the :class:`GroupCommitWriter`, which commits everything that is waiting in one
transaction and tells each submitter when its batch is durable.

Promises kept here:

- a batch is committed whole or not at all, and batches commit in submission order, so
  whatever a later batch refers to (a node, a link end) was committed with it or before;
- a commit that fails because the store is unreachable is tried again (by the store,
  graphflow.retry) until ``retry_budget`` seconds after it began, and only then fails
  the batches;
- a group that fails for another reason is split, so one bad batch fails alone, and
  whatever one commit raises goes to its batches' submitters: the writer never dies;
- a value the store cannot take (an integer outside 64 bits, a string past
  :data:`~graphflow.store._limits.MAX_TEXT_BYTES`) is refused when the batch is built,
  naming the node, and every statement and group stays far below the server's message
  limit, so a large write is never mistaken for an unreachable store;
- a commit whose outcome is unknown (connection lost during COMMIT) is checked, by
  looking up the first node it creates, before it is retried; everything else in a batch
  (MERGE of links and logs, SET of properties) is idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphflow.errors import (
    CommitUnknownError,
    GraphflowError,
    NotWrittenError,
    OwnershipLostError,
    StoreError,
    StoreUnavailableError,
)
from graphflow.retry import STORE_UNREACHABLE, Deadline, deadline_scope, retry
from graphflow.store._limits import check_properties
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
#: a statement (one Bolt message) and a group stop growing past this estimated size;
#: ArcadeDB's Bolt server refuses messages over 16 MiB
MAX_STATEMENT_BYTES = 6 * 1024 * 1024
MAX_GROUP_BYTES = 4 * MAX_STATEMENT_BYTES

_WRITE_QUERY = "store.write_batch"
_FIND_QUERY = "store.find_nodes"
_LOST_FENCES_QUERY = "store.lost_fences"
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
    #: process uuid -> the owner it must still have in the store for the batch to land
    fences: dict[str, str] = field(default_factory=dict)
    _created: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: estimated size of everything added (an update that replaces a value counts twice)
    size_bytes: int = 0

    def create(self, group: str, row: dict[str, Any]) -> None:
        if group not in node_groups():
            raise StoreError(f"no node label combination {group!r} in {_WRITE_QUERY}")
        self.size_bytes += check_properties(row, f"new {group} node {row.get('uuid')}")
        row = dict(row)
        self.creates[group].append(row)
        self._created[row["uuid"]] = row

    def link(self, link_type: str, src: str, dst: str, label: str) -> None:
        self.size_bytes += check_properties({"label": label}, f"{link_type} link {src}->{dst}")
        self.links[link_type].append({"src": src, "dst": dst, "label": label})

    def update(self, uuid: str, props: dict[str, Any]) -> None:
        """Set properties of a node; later updates of the same node win, key by key."""
        self.size_bytes += check_properties(props, f"node {uuid}")
        self._set(uuid, props)

    def _set(self, uuid: str, props: dict[str, Any]) -> None:
        created = self._created.get(uuid)
        if created is not None:
            for key, value in props.items():
                if value is None:
                    created.pop(key, None)
                else:
                    created[key] = value
            return
        self.updates.setdefault(uuid, {}).update(props)

    def fence(self, uuid: str, owner: str) -> None:
        """Land the batch only while process ``uuid`` is still ``owner``'s in the store:
        a runner that lost a process (taken over by another) must not write it."""
        self.fences[uuid] = owner

    def add_log(self, row: dict[str, Any]) -> None:
        self.size_bytes += check_properties(row, f"log record {row.get('uuid')}")
        self.logs.append(row)

    def extend(self, other: WriteBatch) -> None:
        """Append ``other`` after this batch (its updates override this one's).

        Rows are copied: a later update folded into a creation row here must not change
        ``other``, which is committed on its own if the merged batch fails.
        """
        for group, rows in other.creates.items():
            for row in rows:
                row = dict(row)
                self.creates[group].append(row)
                self._created[row["uuid"]] = row
        for link_type, rows in other.links.items():
            self.links[link_type].extend(rows)
        for uuid, props in other.updates.items():
            self._set(uuid, props)
        self.logs.extend(other.logs)
        self.fences.update(other.fences)
        self.size_bytes += other.size_bytes

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

    def creates_node(self, uuid: str) -> bool:
        """Whether the batch creates node ``uuid`` (a fence on it would find no node)."""
        return uuid in self._created

    def first_created_uuid(self) -> str | None:
        return next(iter(self._created), None)

    def statements(self) -> Iterator[dict[str, Any]]:
        """Parameters of the write statement, as few as fit: new nodes first, then
        updates, links and logs (later statements may refer to earlier ones' nodes)."""
        names = query(_WRITE_QUERY).params
        sections: list[tuple[str, list[dict[str, Any]]]] = [
            (_NODE_PREFIX + group, rows) for group, rows in self.creates.items()
        ]
        sections.append(("updates", [{"uuid": u, "props": p} for u, p in self.updates.items()]))
        sections += [(_LINK_PREFIX + t, rows) for t, rows in self.links.items()]
        sections.append(("logs", self.logs))
        # the first statement checks the fences, for the whole transaction
        fences = [{"uuid": uuid, "owner": owner} for uuid, owner in self.fences.items()]
        measure = self.size_bytes > MAX_STATEMENT_BYTES  # small batches need no sizing
        params: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        params["fences"] = fences
        size = nbytes = 0
        for name, rows in sections:
            if name not in params:
                raise StoreError(f"{_WRITE_QUERY} has no parameter {name!r}")
            for row in rows:
                row_bytes = _row_bytes(row) if measure else 0
                if size and (size >= STORE_BATCH_SIZE or nbytes + row_bytes > MAX_STATEMENT_BYTES):
                    yield params
                    params, size, nbytes = {n: [] for n in names}, 0, 0
                params[name].append(row)
                size += 1
                nbytes += row_bytes
        if size:
            yield params

    async def apply(self, tx: Transaction) -> None:
        """Run the batch in ``tx``: one statement unless it is large.

        Raises:
            OwnershipLostError: a fenced process is another owner's now; the caller rolls
                the transaction back, so nothing of the batch is written.
        """
        for params in self.statements():
            done = await tx.run(query(_WRITE_QUERY), **params)
            if params["fences"] and not done:
                lost = await tx.run(query(_LOST_FENCES_QUERY), fences=params["fences"])
                if not lost:  # the statement returns its row unless a fence failed
                    raise StoreError(f"{_WRITE_QUERY} returned nothing, and no fence failed")
                raise OwnershipLostError(lost[0]["uuid"], lost[0]["expected"], lost[0]["owner"])


def _row_bytes(row: dict[str, Any]) -> int:
    props = row.get("props")
    return check_properties(props if isinstance(props, dict) else row, "a checked row")


@dataclass(slots=True)
class _Pending:
    batch: WriteBatch
    done: asyncio.Future[None]
    #: when it was submitted (the loop's clock)
    since: float = 0.0
    #: an earlier write this one continues: if that failed, this one must not land
    after: asyncio.Future[None] | None = None


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
        #: when the group being committed now was submitted (its oldest batch)
        self._committing_since: float | None = None
        #: writes nobody waits for, gathered for one commit (see :meth:`defer`)
        self._deferred = WriteBatch()
        self._deferred_timer: asyncio.TimerHandle | None = None
        self.commits = 0
        self.batches = 0

    def submit(
        self, batch: WriteBatch, *, after: asyncio.Future[None] | None = None
    ) -> asyncio.Future[None]:
        """Queue ``batch``; the future resolves when it is durable (or fails with the error).

        ``after`` is an earlier write of the same history (a process's previous step):
        when it failed, ``batch`` fails too instead of landing, so the store keeps a
        consistent prefix of that history and never a later step without an earlier one.
        """
        if self._closing:
            raise StoreError("the store writer is closed; nothing more can be written")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if not batch:
            done.set_result(None)
            return done
        now = asyncio.get_running_loop().time()
        self._queue.append(_Pending(batch, done, now, after))
        self._wakeup.set()
        return done

    def defer(self, batch: WriteBatch, *, within: float = 1.0) -> None:
        """Commit ``batch`` together with every write deferred in the next ``within``
        seconds (or when the writer closes): for writes nobody waits for (clearing an
        outbox mark), so that a burst of them costs one commit, not one statement in each
        of the burst's own commits. A failure is logged, not raised."""
        if self._closing:
            return
        self._deferred.extend(batch)
        if self._deferred_timer is None:
            loop = asyncio.get_running_loop()
            self._deferred_timer = loop.call_later(within, self._queue_deferred)

    def _queue_deferred(self) -> None:
        if self._deferred_timer is not None:
            self._deferred_timer.cancel()
            self._deferred_timer = None
        if not self._deferred:
            return
        batch, self._deferred = self._deferred, WriteBatch()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.add_done_callback(_log_deferred_failure)
        self._queue.append(_Pending(batch, done, asyncio.get_running_loop().time()))
        self._wakeup.set()

    def stalled_for(self) -> float:
        """Seconds the oldest write not yet durable has waited (0 when none waits): how
        long persistence has made no progress, as a health check sees it."""
        waiting = [p.since for p in self._queue[:1]]
        if self._committing_since is not None:
            waiting.append(self._committing_since)
        return asyncio.get_running_loop().time() - min(waiting) if waiting else 0.0

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
                self._committing_since = group[0].since
                try:
                    await self._commit_group(group)
                except asyncio.CancelledError:
                    _fail(group, StoreError("the store writer was stopped before this write"))
                    raise
                except Exception as exc:  # a defect here must not stop every later write
                    log.exception("the store writer could not commit a group")
                    _fail(group, StoreError(f"the store writer failed: {_describe(exc)}"))
                finally:
                    self._committing_since = None
            if self._closing:
                return

    async def close(self) -> None:
        """Stop accepting writes; :meth:`run` returns once the queue is empty."""
        self._queue_deferred()
        self._closing = True
        self._wakeup.set()

    def _take_group(self) -> list[_Pending]:
        group = [self._queue.pop(0)]
        rows = group[0].batch.row_count
        nbytes = group[0].batch.size_bytes
        while self._queue:
            following = self._queue[0].batch
            if (
                rows + following.row_count > MAX_GROUP_ROWS
                or nbytes + following.size_bytes > MAX_GROUP_BYTES
            ):
                break
            group.append(self._queue.pop(0))
            rows += following.row_count
            nbytes += following.size_bytes
        return group

    async def _commit_group(self, group: list[_Pending]) -> None:
        live = [item for item in group if not item.done.cancelled() and _continues(item)]
        if not live:
            return
        merged = WriteBatch()
        for item in live:
            merged.extend(item.batch)
        try:
            await self._commit(merged)
        except Exception as exc:
            error = (
                exc
                if isinstance(exc, GraphflowError)
                else StoreError(f"the store could not take a write: {_describe(exc)}")
            )
            if len(live) > 1 and not error.retryable:
                # one bad batch must not fail its neighbours: commit them one by one
                for item in live:
                    await self._commit_group([item])
                return
            _fail(live, error)
            return
        self.commits += 1
        self.batches += len(live)
        for item in live:
            if not item.done.done():
                item.done.set_result(None)

    async def _commit(self, batch: WriteBatch) -> None:
        """Commit ``batch`` before the writer's deadline (``retry_budget`` from now).

        The store tries again through restarts and conflicts; what only the writer can
        settle is a commit whose outcome is unknown (the connection dropped during it):
        it looks whether the batch landed before committing it again.
        """
        deadline = Deadline.after(self._retry_budget, self._store.clock)

        async def once() -> None:
            try:
                await self._store.write_tx(batch.apply, tags={"query": "group_commit"})
            except CommitUnknownError:
                if not await self._landed(batch):
                    raise

        with deadline_scope(deadline):  # the store's tries, and the look for a landing
            await retry(
                once,
                backoff=STORE_UNREACHABLE,
                deadline=deadline,
                retry_if=lambda exc: isinstance(exc, CommitUnknownError),
            )

    async def _landed(self, batch: WriteBatch) -> bool:
        """Whether a commit whose outcome was unknown did happen (its first node exists)."""
        marker = batch.first_created_uuid()
        if marker is None:
            return False  # nothing non-idempotent in it: committing again is harmless
        with contextlib.suppress(StoreUnavailableError):
            found = await self._store.read(query(_FIND_QUERY), uuids=[marker])
            return bool(found)
        return False


def _log_deferred_failure(done: asyncio.Future[None]) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.warning("a deferred write failed: %s", done.exception())


def _continues(item: _Pending) -> bool:
    """Whether the write ``item`` continues may land: fail it if that one failed.

    Writes commit in order, so ``after`` is settled by now unless it is in the same group,
    which lands whole or, split, one by one in order.
    """
    after = item.after
    if after is None or not after.done():
        return True
    if after.cancelled():
        error = NotWrittenError("not written: an earlier write it continues was cancelled")
    else:
        earlier = after.exception()
        if earlier is None:
            return True
        # a chain of unwritten writes names the first failure only
        error = (
            earlier
            if isinstance(earlier, NotWrittenError)
            else NotWrittenError(
                f"not written, since an earlier write it continues failed: {earlier}"
            )
        )
    _fail([item], error)
    return False


def _fail(group: list[_Pending], exc: BaseException) -> None:
    for item in group:
        if not item.done.done():
            item.done.set_exception(exc)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
