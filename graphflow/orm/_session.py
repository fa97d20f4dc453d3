"""How nodes reach the store from synchronous user code, alone or as part of a step.

Outside any process, storing a node commits at once and waits until it is durable.
Inside a process step (or a process function and everything it calls), writes join the
step's :class:`WriteScope` instead: nodes get their pk and count as stored immediately,
and the whole scope becomes durable in one transaction with the step's state and
checkpoint, so a crash leaves either all of a step's writes or none of them.

Claims. A node object can be shared by processes running at the same time (a module-level
``Int(3)`` passed to many children). Storing it is therefore a *claim*, taken under one
lock: the first scope to store a node claims it; another scope that meets the node while
that claim is pending waits — in its own thread — until the claiming scope's write is
durable (or abandoned, in which case it claims the node itself). So a node is created
once, and nothing links to it before it exists.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from typing import TYPE_CHECKING, Any

from graphflow import _loop
from graphflow.errors import ProcessError
from graphflow.orm._backend import Backend, get_backend
from graphflow.orm._time import utc_now
from graphflow.store import WriteBatch

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from graphflow.orm._nodes import Node
    from graphflow.types import LinkType

__all__ = [
    "PendingWrite",
    "WriteScope",
    "astore_nodes",
    "commit_scope",
    "current_scope",
    "see_earlier_writes",
    "store_nodes",
    "update_stored_node",
    "write_scope",
]

#: how long a scope waits for another scope's pending claim before giving up
CLAIM_WAIT = 600.0

_scope: contextvars.ContextVar[WriteScope | None] = contextvars.ContextVar(
    "graphflow_write_scope", default=None
)
_claims = threading.Lock()


class _Claim:
    """A pending store of some nodes; ``settled`` is set once durable or abandoned."""

    __slots__ = ("settled",)

    def __init__(self) -> None:
        self.settled = threading.Event()


def _claim(nodes: Sequence[Node], claim: _Claim) -> tuple[list[Node], list[_Claim]]:
    """Under the lock: claim the unstored nodes; collect other pending claims to wait on."""
    new: list[Node] = []
    others: list[_Claim] = []
    seen: set[str] = set()
    with _claims:
        for node in nodes:
            if node.uuid in seen:
                continue
            seen.add(node.uuid)
            pending: _Claim | None = getattr(node, "_claim", None)
            if pending is not None and pending is not claim and not pending.settled.is_set():
                others.append(pending)
            elif not node.is_stored:
                node._claim = claim  # type: ignore[attr-defined]
                new.append(node)
    return new, others


def _settle(nodes: Sequence[Node], claim: _Claim, *, durable: bool) -> None:
    with _claims:
        for node in nodes:
            if getattr(node, "_claim", None) is claim:
                node._claim = None  # type: ignore[attr-defined]
                if not durable:
                    _unmark(node)
        claim.settled.set()


class PendingWrite:
    """What a scope collected, taken for committing; settle it when the commit is done."""

    __slots__ = ("batch", "claim", "nodes")

    def __init__(self, batch: WriteBatch, nodes: list[Node], claim: _Claim) -> None:
        self.batch = batch
        self.nodes = nodes
        self.claim = claim

    def settle(self, *, durable: bool) -> None:
        """Release the claims: other scopes may now link to (or store) these nodes."""
        _settle(self.nodes, self.claim, durable=durable)


class WriteScope:
    """The writes of one step, committed together by whoever opened the scope.

    Thread-safe: the step's thread adds to it while the loop may take what has been
    collected so far (a long process function shows its progress that way). Whoever
    commits what :meth:`take` returns settles it once the commit is durable (or failed).
    """

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._batch = WriteBatch()
        self._lock = threading.Lock()
        self._claim = _Claim()
        self._nodes: list[Node] = []
        #: the process's writes before this scope's that are not durable yet: being
        #: committed (PendingWrite) or to be committed with it (WriteScope); see follow
        self._earlier: list[PendingWrite | WriteScope] = []

    def follow(self, earlier: Sequence[PendingWrite | WriteScope]) -> None:
        """Count ``earlier`` among the process's writes before this scope's (see
        :meth:`stored_here`, :meth:`wait_for_earlier`)."""
        for part in earlier:
            if part is not self and part not in self._earlier:
                self._earlier.append(part)

    def stored_here(self, identifier: int | str) -> Node | None:
        """The node with pk (or full uuid) ``identifier`` if this scope or the process's
        earlier writes stored it and it is not durable yet (so the store cannot serve
        it): what a step stored, it can load at once, as in AiiDA."""
        key = identifier.strip().lower() if isinstance(identifier, str) else identifier
        for part in (self, *self._earlier):
            for node in list(part._nodes if isinstance(part, WriteScope) else part.nodes):
                if node.pk == key or node.uuid == key:
                    return node
        return None

    def wait_for_earlier(self) -> None:
        """Wait (in the step's thread) until the process's earlier writes are durable, so
        that a read from this step sees what the process's earlier steps wrote."""
        for part in self._earlier:
            if isinstance(part, PendingWrite):
                part.claim.settled.wait(CLAIM_WAIT)

    def _add_claimed(self, new: Sequence[Node], pks: Sequence[int]) -> None:
        with self._lock:
            _mark_and_add(new, pks, self._batch)
            self._nodes.extend(new)

    def add_nodes(self, nodes: Sequence[Node]) -> None:
        """Give ``nodes`` pks now and add their creation to the scope (from a user thread)."""
        for node in nodes:
            if not node.is_stored:
                node._validate_before_store()
        while True:
            new, others = _claim(nodes, self._claim)
            if new:
                try:
                    pks = self.backend.pks.take_reserved(len(new))
                    if pks is None:  # more than the runner reserved, or outside a step
                        pks = _loop.call(self.backend.pks.take(len(new)))
                except BaseException:
                    _settle(new, self._claim, durable=False)
                    raise
                self._add_claimed(new, pks)
            if not others:
                return
            for other in others:
                if not other.settled.wait(CLAIM_WAIT):
                    raise ProcessError(
                        "a node used here is being stored by another process whose step has "
                        f"not committed for {CLAIM_WAIT:.0f} s; store nodes shared between "
                        "processes before passing them on"
                    )
            # an abandoned claim leaves its nodes unstored: claim them ourselves

    def add_link(self, link_type: LinkType, source: Node, target: Node, label: str) -> None:
        with self._lock:
            self._batch.link(link_type.value, source.uuid, target.uuid, label)

    def update(self, node: Node, props: dict[str, Any]) -> None:
        """Change stored properties of ``node``; its ``mtime`` says when (state,
        checkpoint, exit status and paused flag all pass here)."""
        node._mtime = utc_now()
        with self._lock:
            self._batch.update(node.uuid, {**props, "mtime": node._mtime})

    def add_log(self, row: dict[str, Any]) -> None:
        with self._lock:
            self._batch.add_log(row)

    def take(self) -> PendingWrite:
        """What was collected since the last take, to commit; the scope starts afresh."""
        with self._lock:
            taken = PendingWrite(self._batch, self._nodes, self._claim)
            self._batch, self._nodes, self._claim = WriteBatch(), [], _Claim()
            return taken

    def rollback(self) -> list[dict[str, Any]]:
        """Abandon the scope's writes: its nodes count as unstored again.

        Returns the scope's log records, which are kept: a failed step's reports are what
        its user needs to understand the failure.
        """
        taken = self.take()
        taken.settle(durable=False)
        return taken.batch.logs


def current_scope() -> WriteScope | None:
    """The step scope the calling code runs in, if any."""
    return _scope.get()


def see_earlier_writes() -> None:
    """Before a read from a step: wait until what its process wrote before is durable."""
    scope = _scope.get()
    if scope is not None:
        scope.wait_for_earlier()


@contextlib.contextmanager
def write_scope(scope: WriteScope | None) -> Iterator[WriteScope | None]:
    """Run the body with ``scope`` as the current scope (None: no scope)."""
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def _mark_and_add(nodes: Sequence[Node], pks: Sequence[int], batch: WriteBatch) -> None:
    now = utc_now()
    for node, pk in zip(nodes, pks, strict=True):
        node._mark_stored(pk, now)
        batch.create(node.create_group, node._row())


def _unmark(node: Node) -> None:
    node._pk = None
    node._stored = False


async def astore_nodes(backend: Backend, nodes: Sequence[Node]) -> None:
    """Store ``nodes`` in one transaction and wait until it is durable (on the loop).

    Nodes claimed by a scope that has not committed yet are not waited for here (the loop
    must not block): they are skipped, and will be durable with that scope.
    """
    for node in nodes:
        if not node.is_stored:
            node._validate_before_store()
    claim = _Claim()
    new, _others = _claim(nodes, claim)
    if not new:
        return
    try:
        pks = await backend.pks.take(len(new))
        batch = WriteBatch()
        _mark_and_add(new, pks, batch)
        await backend.writer.write(batch)
    except BaseException:
        _settle(new, claim, durable=False)
        raise
    _settle(new, claim, durable=True)


def store_nodes(nodes: Sequence[Node]) -> None:
    """Store ``nodes``: in the current step's scope, or at once and durably."""
    scope = current_scope()
    if scope is not None:
        scope.add_nodes(nodes)
        return
    backend = _loop.call(get_backend())
    own = WriteScope(backend)
    own.add_nodes(nodes)  # waits for claims of other scopes on these nodes, if any
    _loop.call(commit_scope(own))


async def commit_scope(scope: WriteScope) -> None:
    """Commit what ``scope`` collected, wait until durable, settle its claims."""
    taken = scope.take()
    try:
        await scope.backend.writer.write(taken.batch)
    except BaseException:
        taken.settle(durable=False)
        raise
    taken.settle(durable=True)


def update_stored_node(node: Node, props: dict[str, Any]) -> None:
    """Write changed mutable properties (label, description, extras) of a stored node."""
    scope = current_scope()
    if scope is not None:
        scope.update(node, props)
        return

    async def update() -> None:
        batch = WriteBatch()
        batch.update(node.uuid, props)
        await (await get_backend()).writer.write(batch)

    _loop.call(update())
