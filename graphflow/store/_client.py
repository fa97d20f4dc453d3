"""The only place that talks to a graph database: the async ``neo4j`` driver over Bolt.

Every statement is a named :class:`CypherQuery` (or a user's read-only statement, checked
by :func:`find_write_clause`). Reads run in read transactions and writes in write
transactions that this module runs again on transient failures, under one deadline
(graphflow.retry): transaction functions given here must therefore be idempotent. Driver
errors are translated into graphflow's tree at this boundary, naming the URI and the query.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from graphflow.store._driver_import import import_driver

import_driver()

import neo4j
import neo4j.exceptions as neo4j_errors

from graphflow.clock import Clock, MonotonicClock
from graphflow.errors import (
    CommitUnknownError,
    QueryError,
    QueryTimeoutError,
    ReadOnlyQueryError,
    StoreAuthError,
    StoreBusyError,
    StoreError,
    StoreUnavailableError,
    WriteConflictError,
)
from graphflow.retry import (
    STORE_BUSY,
    STORE_CONFLICT,
    STORE_UNREACHABLE,
    Backoff,
    Deadline,
    deadline_or,
    retry,
)
from graphflow.store._bookmarks import Bookmarks
from graphflow.store._limits import check_parameters
from graphflow.store._queries import query
from graphflow.store._readonly import find_write_clause, is_write, refusal
from graphflow.store._temporal import hydrate_local_datetimes_natively

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from graphflow.store._queries import CypherQuery
    from graphflow.store._write_lock import WriteLock

__all__ = ["QueryResult", "Store", "Transaction"]

log = logging.getLogger(__name__)
T = TypeVar("T")

#: server-side limit for one transaction; a stuck query shows up in the server's list
TRANSACTION_TIMEOUT = 120.0
#: how long a store call is tried (through restarts, conflicts, a busy pool) unless its
#: caller hands it a deadline (a daemon worker keeping a task waits for as long as it must)
STORE_DEADLINE = 60.0
#: how long a user's statement waits for a dead embedded server to be brought back
RECOVERY_PATIENCE = 15.0
#: how long one call waits for a pooled connection before it backs off and asks again
POOL_WAIT = 10.0
#: idle read sessions kept per driver for the next reads (see :meth:`Store.read`)
IDLE_READ_SESSIONS = 8
#: the oldest Neo4j whose Cypher has every statement graphflow sends (``CALL () { }``)
MIN_NEO4J = (5, 23)


def neo4j_too_old(agent: str) -> str | None:
    """Why a server announcing ``agent`` ("Neo4j/5.26.30") cannot be used, if it is a
    Neo4j older than :data:`MIN_NEO4J`; other servers (ArcadeDB) are not judged here."""
    name, _, version = agent.partition("/")
    if name != "Neo4j":
        return None
    parts = version.split(".")
    try:
        found = (int(parts[0]), int(parts[1]))
    except (IndexError, ValueError):
        return None  # an agent string we cannot read: let the statements themselves tell
    if found >= MIN_NEO4J:
        return None
    need = ".".join(map(str, MIN_NEO4J))
    return (
        f"it runs Neo4j {version}; graphflow needs Neo4j {need} or newer (its statements "
        "use CALL () { } subqueries)"
    )


def _is_write_conflict(exc: neo4j_errors.Neo4jError | neo4j_errors.DriverError) -> bool:
    """ArcadeDB's optimistic concurrency: two transactions wrote the same page.

    Its Bolt plugin reports ConcurrentModificationException ("Concurrent modification on
    page ... Please retry the operation") with a code the driver does not treat as
    transient, so ``execute_write`` gives up at once. Seen when two processes of one
    profile (daemon workers, a script) store nodes of the same type at the same moment.
    The transaction was rolled back, so running the (idempotent) work again is safe.
    """
    if not isinstance(exc, neo4j_errors.Neo4jError):
        return False
    text = f"{exc.code or ''} {exc.message or ''}"
    return "ConcurrentModification" in text or "Concurrent modification" in text


@dataclass(frozen=True, slots=True)
class QueryResult:
    """Rows of an ad-hoc query: column names in order, and one dict per row."""

    keys: list[str]
    rows: list[dict[str, Any]]


class Transaction:
    """A transaction, handed to the function given to :meth:`Store.write_tx`."""

    def __init__(self, tx: neo4j.AsyncTransaction, tags: Mapping[str, str]) -> None:
        self._tx = tx
        self._tags = tags

    async def run(self, query: CypherQuery, **params: Any) -> list[dict[str, Any]]:
        """Run one named statement and return its rows (driver values, nodes kept whole)."""
        _check_params(query, params)
        text = query.text  # from our own cypher/ files, never from values
        try:
            result = await self._tx.run(text, params)
            return [row_of(record) async for record in result]
        except neo4j_errors.Neo4jError as exc:
            if exc.is_retryable() or _is_write_conflict(exc):
                raise  # the store runs the whole transaction again (see Store._call)
            raise _query_error(query.name, exc) from exc


def _check_read(query: CypherQuery, params: Mapping[str, Any]) -> None:
    if query.mode != "read":
        raise QueryError(f"query {query.name!r} is a {query.mode} query, not a read")
    _check_params(query, params)


def _check_params(query: CypherQuery, params: Mapping[str, Any]) -> None:
    check_parameters(params, f"query {query.name!r}")
    missing = query.params - params.keys()
    extra = params.keys() - query.params
    if missing or extra:
        raise QueryError(
            f"query {query.name!r} takes {sorted(query.params)}; "
            f"missing {sorted(missing)}, unexpected {sorted(extra)}"
        )


def _refused_bookmark(exc: BaseException) -> bool:
    """Whether the server refused a bookmark the transaction began with (malformed, or of
    another database)."""
    return isinstance(exc, neo4j_errors.Neo4jError) and (exc.code or "").startswith(
        "Neo.ClientError.Transaction.InvalidBookmark"
    )


def _query_error(name: str, exc: neo4j_errors.Neo4jError) -> QueryError:
    message = exc.message or str(exc)
    return QueryError(f"query {name!r} failed: {message}")


class Store:
    """A connection pool to one database on one Bolt server.

    A recovery function (:meth:`set_recovery`) is awaited when the server cannot be
    reached; it returns the URI to use from then on, and the operation is tried once more.
    The embedded store uses it to restart a server whose process died.
    """

    def __init__(
        self,
        uri: str,
        *,
        user: str,
        password: str,
        database: str | None,
        write_lock: WriteLock | None = None,
        command_timeout: float | None = None,
        clock: Clock | None = None,
        reader: tuple[str, str] | None = None,
        local_times_are_utc: bool = False,
        bookmarks: Bookmarks | None = None,
    ) -> None:
        self.uri = uri
        #: what every transaction waits for (causal consistency; see store._bookmarks)
        self.bookmarks = bookmarks or Bookmarks()
        #: the server keeps times without their zone, in UTC (ArcadeDB): they are read
        #: back as UTC datetimes, so users see the zone too (see store._temporal)
        self._local_times_are_utc = local_times_are_utc
        self.database = database
        #: the server's own bound on a statement, when it cannot stop one whose client
        #: gave up (ArcadeDB over Bolt); None: dropping the connection stops it (Neo4j)
        self.command_timeout = command_timeout
        self._auth = (user, password)
        #: what every wait and deadline of this store's calls is measured on
        self.clock: Clock = clock or MonotonicClock()
        self._recovery: Callable[[], Awaitable[str]] | None = None
        self._driver: neo4j.AsyncDriver | None = None
        #: bumped whenever the driver is replaced, so one failure triggers one recovery
        self._generation = 0
        self._recovering: asyncio.Lock | None = None
        #: callers still working on each driver (see :meth:`_leased`)
        self._users: dict[neo4j.AsyncDriver, int] = {}
        #: sessions of the current driver between reads (see :meth:`read`)
        self._idle_reads: list[neo4j.AsyncSession] = []
        #: turns to write (embedded): shared, or alone after a lost conflict
        self._write_lock = write_lock
        #: write transactions run again after a conflict or a transient failure
        self.write_retries = 0
        #: a user the server lets only read, for users' statements (see run_readonly)
        self._reader_auth = reader
        self._reader_driver: neo4j.AsyncDriver | None = None
        #: whether the server's version was found good (once per store: see _ping)
        self._version_checked = False

    def set_recovery(self, recovery: Callable[[], Awaitable[str]]) -> None:
        """Use ``recovery`` to bring an unreachable server back; it returns the new URI."""
        self._recovery = recovery

    def _get_driver(self, *, reader: bool = False) -> neo4j.AsyncDriver:
        if reader and self._reader_auth is not None:
            if self._reader_driver is None:
                self._reader_driver = self._new_driver(self._reader_auth, pool=4)
            return self._reader_driver
        if self._driver is None:
            self._driver = self._new_driver(self._auth, pool=50)
        return self._driver

    def _new_driver(self, auth: tuple[str, str], *, pool: int) -> neo4j.AsyncDriver:
        driver = neo4j.AsyncGraphDatabase.driver(
            self.uri,
            auth=auth,
            connection_timeout=5.0,
            connection_acquisition_timeout=POOL_WAIT,
            max_connection_pool_size=pool,
            keep_alive=True,
            notifications_min_severity="OFF",
        )
        hydrate_local_datetimes_natively(driver, local_is_utc=self._local_times_are_utc)
        return driver

    async def close(self) -> None:
        """Close every connection; the store can be used again afterwards (it reconnects)."""
        await self._close_idle_reads()
        drivers = (self._driver, self._reader_driver)
        self._driver = self._reader_driver = None
        for driver in drivers:
            if driver is not None:
                await driver.close()

    async def check(self) -> None:
        """Prove the server answers a real query (an open port is not enough); fails at
        once, without retries, when it does not."""
        await self._call(self._ping, "the readiness query", deadline=Deadline.after(0, self.clock))

    async def _ping(self, driver: neo4j.AsyncDriver) -> None:
        async with driver.session(
            database=self.database, bookmark_manager=self.bookmarks
        ) as session:
            result = await session.run(query("store.ping").text)
            summary = await result.consume()
        if not self._version_checked:
            problem = neo4j_too_old(summary.server.agent)
            if problem is not None:
                raise StoreError(f"the store at {self.uri} cannot be used: {problem}")
            self._version_checked = True

    async def read(self, query: CypherQuery, **params: Any) -> list[dict[str, Any]]:
        """Run a named read statement (one statement: auto-commit in read mode, which
        saves the transaction's extra round trips; an unreachable server is recovered as
        for transactions).

        The session of a read that went well serves a later read: making a session costs
        about as much as a small query's round trip to the embedded server (W6 in
        bench/README.md). Sessions hold no connection between statements, and one that saw
        any error is closed, never reused.
        """
        _check_read(query, params)

        async def attempt(driver: neo4j.AsyncDriver) -> list[dict[str, Any]]:
            session = self._read_session(driver)
            try:
                async with asyncio.timeout(TRANSACTION_TIMEOUT):
                    result = await session.run(query.text, params)
                    rows = [row_of(record) async for record in result]
            except BaseException as exc:
                await _close_quietly(session)
                if (
                    isinstance(exc, neo4j_errors.ClientError)
                    and not isinstance(exc, neo4j_errors.AuthError)
                    and not _refused_bookmark(exc)
                ):
                    raise _query_error(query.name, exc) from exc
                raise
            await self._keep_read_session(driver, session)
            return rows

        return await self._call(attempt, query.name)

    def _read_session(self, driver: neo4j.AsyncDriver) -> neo4j.AsyncSession:
        if driver is self._driver and self._idle_reads:
            return self._idle_reads.pop()
        return driver.session(
            database=self.database,
            default_access_mode=neo4j.READ_ACCESS,
            bookmark_manager=self.bookmarks,
        )

    async def _keep_read_session(
        self, driver: neo4j.AsyncDriver, session: neo4j.AsyncSession
    ) -> None:
        """Keep ``session`` for the next read, unless its driver was replaced meanwhile."""
        if driver is self._driver and len(self._idle_reads) < IDLE_READ_SESSIONS:
            self._idle_reads.append(session)
        else:
            await _close_quietly(session)

    async def _close_idle_reads(self) -> None:
        """Close the kept sessions before their driver (an unclosed one warns when freed)."""
        idle, self._idle_reads = self._idle_reads, []
        for session in idle:
            await _close_quietly(session)

    async def write(self, query: CypherQuery, **params: Any) -> list[dict[str, Any]]:
        """Run one named write (or schema) statement in its own transaction."""
        if query.mode == "read":
            raise QueryError(f"query {query.name!r} only reads; use Store.read")

        async def work(tx: Transaction) -> list[dict[str, Any]]:
            return await tx.run(query, **params)

        return await self._transaction(work, write=True, tags={"query": query.name})

    async def write_tx(
        self,
        work: Callable[[Transaction], Awaitable[T]],
        *,
        tags: Mapping[str, str] | None = None,
    ) -> T:
        """Run ``work`` in one write transaction; it may run more than once.

        ``work`` must be idempotent: it runs again after a transient failure (a
        conflicting concurrent write, a connection lost before the commit), until the
        deadline of the enclosing :func:`~graphflow.retry.deadline_scope` (else
        STORE_DEADLINE). A connection lost *during* the commit raises
        :class:`~graphflow.errors.CommitUnknownError`: only the caller can tell whether
        the commit happened.
        """
        return await self._transaction(work, write=True, tags=dict(tags or {}))

    async def read_tx(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """Run ``work`` (several reads) in one read transaction."""
        return await self._transaction(work, write=False, tags={})

    async def run_readonly(
        self, text: str, params: Mapping[str, Any] | None = None, *, time_limit: float = 60.0
    ) -> QueryResult:
        """Run a user's statement that must only read; a write clause is refused first."""
        clause = find_write_clause(text)
        # what the check does not know as Cypher goes on: the server, which enforces
        # read-only itself, says what is wrong and where
        if clause is not None and is_write(clause):
            raise ReadOnlyQueryError(
                f"refused before it reached the store: {refusal(clause)}; graphflow.cypher "
                "and the shell run only statements that read (use ':write on' in the shell "
                "to write)"
            )
        return await self._run_adhoc(text, dict(params or {}), write=False, time_limit=time_limit)

    async def run_adhoc_write(
        self, text: str, params: Mapping[str, Any] | None = None, *, time_limit: float = 60.0
    ) -> QueryResult:
        """Run a user's statement in a write transaction (the shell's ``:write on`` mode)."""
        return await self._run_adhoc(text, dict(params or {}), write=True, time_limit=time_limit)

    async def _run_adhoc(
        self, text: str, params: dict[str, Any], *, write: bool, time_limit: float
    ) -> QueryResult:
        """A user's statement: run once, never retried (a retry after a time limit is
        another copy of a slow statement on the server), in an explicit transaction whose
        timeout a server that supports one (Neo4j) enforces itself. Past ``time_limit``
        the transaction is abandoned with its connection, which Neo4j takes as the end of
        the statement; ArcadeDB ends it at its command timeout."""

        check_parameters(params, "the statement")
        sent = False

        async def attempt(driver: neo4j.AsyncDriver) -> QueryResult:
            nonlocal sent
            if sent:  # the server may still be running the first copy
                lost = StoreUnavailableError(
                    f"the connection to {self.uri} was lost while the statement ran; it "
                    "was not run again (run it again once the store answers)"
                )
                lost.retryable = False
                raise lost
            mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
            async with driver.session(
                database=self.database,
                default_access_mode=mode,
                bookmark_manager=self.bookmarks,
            ) as session:
                try:
                    async with asyncio.timeout(time_limit), self._turn(write):
                        tx = await session.begin_transaction(
                            metadata={"query": "user statement"}, timeout=time_limit
                        )
                        try:
                            sent = True
                            result = await tx.run(text, params)
                            keys = list(result.keys())
                            rows = [row_of(record) async for record in result]
                            await (tx.commit() if write else tx.close())
                        except neo4j_errors.Neo4jError:
                            # the server answered, so the connection is usable: roll back
                            with contextlib.suppress(Exception):
                                await tx.close()
                            raise
                        except BaseException:
                            # cut off mid-statement (time limit, Ctrl-C): a polite
                            # rollback would wait behind the statement; dropping the
                            # connection ends the transaction on the server at once
                            tx.cancel()
                            raise
                except TimeoutError:
                    raise QueryTimeoutError(self._gave_up(time_limit)) from None
                except neo4j_errors.AuthError:
                    raise
                except neo4j_errors.ClientError as exc:
                    if _refused_bookmark(exc):
                        raise
                    # the server's own words (with the position it marks) are what users
                    # need; a server-side time limit is a timeout too
                    if not write and _refused_write(exc):
                        raise ReadOnlyQueryError(
                            "the store refused to change the graph: statements from "
                            "graphflow.cypher and the shell run read-only (use ':write on' "
                            f"in the shell to write); the server said: {exc.message or exc}"
                        ) from exc
                    raise _statement_error(exc) from exc
            return QueryResult(keys, rows)

        # never run twice (see ``sent``); before it is sent, a dead embedded server is
        # brought back and the statement tried on it, within the user's time limit; a
        # server graphflow cannot restart is reported at once, as the shell needs
        patience = min(time_limit, RECOVERY_PATIENCE) if self._recovery is not None else 0.0
        return await self._call(
            attempt,
            "statement",
            deadline=Deadline.after(patience, self.clock),
            reader=not write,  # a server that only knows users enforces read-only by user
        )

    def _gave_up(self, time_limit: float) -> str:
        said = (
            f"the statement did not finish within {time_limit:g} s; graphflow gave it up "
            "and nothing it would have written was kept"
        )
        if self.command_timeout is None:
            return said + " (the server stopped it)"
        return (
            f"{said}; the embedded store cannot stop one statement, so it runs on until "
            f"the store's command timeout ({self.command_timeout:g} s, the profile option "
            "store_command_timeout)"
        )

    async def _transaction(
        self,
        work: Callable[[Transaction], Awaitable[T]],
        *,
        write: bool,
        tags: Mapping[str, str],
    ) -> T:
        """One explicit transaction per try; :meth:`_call` decides whether to try again.

        The driver's own managed-transaction retries are not used: retrying happens at
        this layer only, under one deadline. After a write lost to another writer, the
        next try waits for a turn alone (see _write_lock): among the others it may lose
        the same way again.
        """
        alone = False

        async def attempt(driver: neo4j.AsyncDriver) -> T:
            nonlocal alone
            mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
            session = driver.session(
                database=self.database,
                default_access_mode=mode,
                bookmark_manager=self.bookmarks,
            )
            async with session, self._turn(write, alone=alone):
                # tags and a server-side timeout let a stuck transaction be traced
                tx = await session.begin_transaction(
                    metadata=dict(tags), timeout=TRANSACTION_TIMEOUT
                )
                try:
                    result = await work(Transaction(tx, tags))
                    if write:
                        await tx.commit()
                except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as exc:
                    await _abandon(tx, answered=isinstance(exc, neo4j_errors.Neo4jError))
                    if write and (exc.is_retryable() or _is_write_conflict(exc)):
                        self.write_retries += 1
                        alone = self._write_lock is not None
                    raise
                except BaseException:
                    await _abandon(tx, answered=False)
                    raise
                if not write:
                    await tx.close()
                return result

        return await self._call(attempt, tags.get("query", "transaction"))

    def _turn(
        self, write: bool, *, alone: bool = False
    ) -> contextlib.AbstractAsyncContextManager[None]:
        """A turn of the write lock for a write, when the store has one; else nothing."""
        if write and self._write_lock is not None:
            return self._write_lock.held(alone=alone)
        return contextlib.nullcontext()

    async def _recover(self, seen: int, reason: BaseException) -> None:
        """Replace the driver (and restart the server, if a recovery is set), once for all
        the callers that failed on the same driver."""
        if self._recovering is None:
            self._recovering = asyncio.Lock()
        async with self._recovering:
            if self._generation != seen:
                return  # another caller already recovered: just try again
            log.info("store %s unreachable (%s); checking the server", self.uri, reason)
            await self._close_idle_reads()
            old = (self._driver, self._reader_driver)
            self._driver = self._reader_driver = None
            self._generation += 1
            for driver in old:
                if driver is not None and not self._users.get(driver):
                    await _close_quietly(driver)
            if self._recovery is not None:
                self.uri = await self._recovery()

    async def _call(
        self,
        attempt: Callable[[neo4j.AsyncDriver], Awaitable[T]],
        what: str,
        *,
        deadline: Deadline | None = None,
        reader: bool = False,
    ) -> T:
        """``attempt`` with the current driver (the reader's, with ``reader``), its errors
        translated, tried again under ``deadline`` (by default the enclosing
        :func:`~graphflow.retry.deadline_scope`'s, else STORE_DEADLINE) while the error is
        retryable: the server away (recovered first, when a recovery is set), a conflict,
        a busy pool."""
        deadline = deadline or deadline_or(STORE_DEADLINE, self.clock)

        async def once() -> T:
            seen = self._generation
            try:
                async with asyncio.timeout(TRANSACTION_TIMEOUT):
                    return await self._leased(attempt, reader=reader)
            except TimeoutError as exc:
                raise StoreUnavailableError(
                    f"{what} on {self.uri} took longer than {TRANSACTION_TIMEOUT:.0f} s"
                ) from exc
            except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError) as exc:
                if _refused_bookmark(exc):
                    # one bad bookmark (from a message) would fail every later
                    # transaction: drop them all, and try again without
                    self.bookmarks.forget(f"{self.uri} refused one during {what}: {exc}")
                    raise StoreUnavailableError(f"{what} on {self.uri}: {exc}") from exc
                error = self._translate(exc, what)
                if self._needs_recovery(exc) and self._may_recover(seen):
                    await self._recover(seen, exc)
                    error = StoreUnavailableError(str(error))  # the next try may succeed
                raise error from exc

        def report(exc: BaseException, tries: int, pause: float) -> None:
            # a conflict or a busy pool is routine under load; an absent server is news
            level = (
                logging.DEBUG
                if isinstance(exc, (WriteConflictError, StoreBusyError))
                else logging.WARNING
            )
            log.log(level, "%s; trying again in %.1f s (try %d)", exc, pause, tries + 1)

        return await retry(once, backoff=_backoff_for, deadline=deadline, on_retry=report)

    def _translate(self, exc: BaseException, what: str) -> StoreError:
        """A driver's error as graphflow's, naming the store and the operation."""
        if isinstance(exc, neo4j_errors.IncompleteCommit):
            return CommitUnknownError(
                f"connection to {self.uri} was lost while committing {what}; "
                "the commit may or may not have happened"
            )
        if isinstance(exc, neo4j_errors.ConnectionAcquisitionTimeoutError):
            return StoreBusyError(
                f"every connection to {self.uri} was in use for {POOL_WAIT:g} s during {what}"
            )
        if isinstance(exc, (neo4j_errors.NotALeader, neo4j_errors.ForbiddenOnReadOnlyDatabase)):
            # a cluster changed its leader, or the URI names a follower: the driver
            # routes the next try to the new leader (with a neo4j:// URI)
            return StoreUnavailableError(
                f"{what}: the server at {self.uri} cannot write now (not the cluster's "
                f"leader, or a read-only follower): {exc.message or exc}"
            )
        if isinstance(exc, (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, OSError)):
            return StoreUnavailableError(
                f"cannot reach the graph store at {self.uri}: {_reason(exc)}"
            )
        if isinstance(exc, neo4j_errors.AuthError):
            if _stale_connection(exc):
                return StoreUnavailableError(
                    f"{self.uri} closed a connection from before its restart"
                )
            return StoreAuthError(
                f"the graph store at {self.uri} rejected the credentials of user "
                f"{self._auth[0]!r}: {exc.message or 'authentication failed'}"
            )
        if isinstance(exc, neo4j_errors.Neo4jError) and _no_query_slot(exc):
            return StoreBusyError(
                f"the graph store at {self.uri} is busy: every query slot is taken, so "
                f"{what} waited its turn in vain (statements abandoned with Ctrl-C or a time "
                "limit run on until the store's command timeout)"
            )
        if isinstance(exc, neo4j_errors.Neo4jError):
            if _database_closed(exc, self.database):
                return StoreUnavailableError(
                    f"the graph store at {self.uri} closed the database {self.database!r} "
                    f"during {what}: its server is stopping"
                )
            if exc.is_retryable() or _is_write_conflict(exc):
                return WriteConflictError(f"{what} on {self.uri}: {exc.message or exc}")
            return StoreError(f"{what} on {self.uri} failed: {exc.message or exc}")
        return StoreError(f"{what} on {self.uri} failed: {exc}")

    def _needs_recovery(self, exc: BaseException) -> bool:
        """Whether ``exc`` says the server (or the driver's view of it) is gone."""
        if isinstance(
            exc, (neo4j_errors.IncompleteCommit, neo4j_errors.ConnectionAcquisitionTimeoutError)
        ):
            return False
        if isinstance(exc, neo4j_errors.AuthError):
            return _stale_connection(exc)
        if isinstance(exc, neo4j_errors.Neo4jError):
            return _database_closed(exc, self.database)
        return isinstance(
            exc, (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, OSError)
        )

    def _may_recover(self, seen: int) -> bool:
        """Whether a failure that looks like the server going away is worth a recovery: the
        embedded server can be brought back, or another caller replaced the driver since
        this one took it (generation ``seen``)."""
        return self._recovery is not None or self._generation != seen

    async def _leased(
        self, attempt: Callable[[neo4j.AsyncDriver], Awaitable[T]], *, reader: bool = False
    ) -> T:
        """Run ``attempt`` with the current driver, closing a replaced driver only once its
        last caller is done.

        Closing a driver closes the connections in use too. A transaction of another
        caller, still running on the old driver when one caller recovered, was cut off:
        at best the driver ran it again from the start; at worst it failed inside the
        driver (``'NoneType' object has no attribute 'complete'``), an error nobody can
        classify, and a daemon's process excepted on a store restart.
        """
        driver = self._get_driver(reader=reader)
        self._users[driver] = self._users.get(driver, 0) + 1
        try:
            return await attempt(driver)
        finally:
            self._users[driver] -= 1
            if not self._users[driver]:
                del self._users[driver]
                if driver not in (self._driver, self._reader_driver):  # replaced, now unused
                    await _close_quietly(driver)


def _refused_write(exc: neo4j_errors.ClientError) -> bool:
    """Whether the server refused a write: the reader user's missing permission
    (ArcadeDB) or a write in a read transaction (Neo4j)."""
    code = exc.code or ""
    return code.endswith(".Security.Forbidden") or code.endswith(".Statement.AccessMode")


def _no_query_slot(exc: neo4j_errors.Neo4jError) -> bool:
    """ArcadeDB's admission gate refused the statement: its query slots stayed full for
    the queue's whole timeout (transient: the statement never ran)."""
    text = f"{exc.message or ''} {exc}"
    return "QueryAdmission" in text or "arcadedb.queryQueueTimeout" in text


def _statement_error(exc: neo4j_errors.ClientError) -> QueryError:
    message = exc.message or str(exc)
    if "timeout" in (exc.code or "").lower() or "command.timeout" in message:
        return QueryTimeoutError(f"the server stopped the statement at its time limit: {message}")
    return QueryError(message)


def _backoff_for(exc: BaseException) -> Backoff:
    """Each kind of passing failure backs off on its own schedule (graphflow.retry)."""
    if isinstance(exc, WriteConflictError):
        return STORE_CONFLICT
    if isinstance(exc, StoreBusyError):
        return STORE_BUSY
    return STORE_UNREACHABLE


async def _abandon(tx: neo4j.AsyncTransaction, *, answered: bool) -> None:
    """End a transaction that failed: roll back politely when the server answered (its
    connection is usable), else drop the connection, which ends it on the server at once
    (a rollback would wait behind a statement still running, or on a dead socket)."""
    if answered:
        with contextlib.suppress(Exception):
            await tx.close()
    else:
        tx.cancel()


def row_of(record: neo4j.Record) -> dict[str, Any]:
    """A record as a dict that keeps driver nodes whole (``Record.data`` flattens them)."""
    return dict(zip(record.keys(), record.values(), strict=True))


async def _close_quietly(closable: neo4j.AsyncDriver | neo4j.AsyncSession) -> None:
    """Close a driver or session given up on; its server may be gone, so closing may fail."""
    with contextlib.suppress(Exception):
        await closable.close()


def _database_closed(exc: neo4j_errors.Neo4jError, database: str | None) -> bool:
    """Whether ArcadeDB failed the statement because it is closing the database, or its
    server is not ready for the connection yet.

    A server told to stop closes its databases while connections are still open, and a
    statement arriving in between fails with an unknown database error whose whole message
    is the database's name (ArcadeDB's ``DatabaseIsClosedException``). A connection made
    while it stops or starts may also find its session not past authentication, and its
    transaction refused with "BEGIN not expected in state: AUTHENTICATION" (nothing ran).
    Either is the server going away, not a bad statement: a daemon's processes excepted on
    a store restart (tests/chaos/test_daemon_chaos.py, once in four runs).
    """
    message = (exc.message or "").strip()
    if "not expected in state: AUTHENTICATION" in message:
        return True
    return (
        database is not None and isinstance(exc, neo4j_errors.DatabaseError) and message == database
    )


def _stale_connection(exc: neo4j_errors.AuthError) -> bool:
    return "no longer valid" in (exc.message or "")


def _reason(exc: BaseException) -> str:
    """The innermost OS-level reason of a connection failure, short enough to show."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, TimeoutError):
            return "it accepted the connection but did not answer (timed out)"
        if isinstance(cause, OSError) and cause.errno:
            return os.strerror(cause.errno)
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
        cause = cause.__cause__
    text = str(exc).splitlines()
    return text[0] if text else type(exc).__name__
