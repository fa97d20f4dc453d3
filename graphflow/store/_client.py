"""The only place that talks to a graph database: the async ``neo4j`` driver over Bolt.

Every statement is a named :class:`CypherQuery` (or a user's read-only statement, checked
by :func:`find_write_clause`). Reads run in read transactions and writes in managed write
transactions, which the driver retries on transient failures: transaction functions given
here must therefore be idempotent. Driver errors are translated into graphflow's tree at
this boundary, naming the URI and the query.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from graphflow.store._driver_import import import_driver

import_driver()

import neo4j
import neo4j.exceptions as neo4j_errors

from graphflow.errors import (
    QueryError,
    QueryTimeoutError,
    ReadOnlyQueryError,
    StoreAuthError,
    StoreError,
    StoreUnavailableError,
)
from graphflow.store._queries import query
from graphflow.store._readonly import find_write_clause
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
#: how long the driver keeps retrying a transaction that fails transiently
RETRY_TIME = 20.0
#: tries after recovering a dead embedded server, the first again at once, then with a
#: doubling pause from RECOVERY_FIRST_DELAY (about 15 s in all: a restart takes 1-5 s)
RECOVERY_ATTEMPTS = 6
RECOVERY_FIRST_DELAY = 0.5
#: write conflicts the driver does not know to retry (see :func:`_is_write_conflict`)
CONFLICT_RETRIES = 12
CONFLICT_FIRST_DELAY = 0.01
CONFLICT_MAX_DELAY = 0.5
#: idle read sessions kept per driver for the next reads (see :meth:`Store.read`)
IDLE_READ_SESSIONS = 8


class _RoutineRetries(logging.Filter):
    """The driver logs every retry of a transient failure as a warning. ArcadeDB answers
    concurrent writers with such failures routinely (optimistic concurrency), and a
    retry that then succeeds is nothing for a user to act on: it is logged as DEBUG.
    A transaction whose retries run out still raises, and that error is reported."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Transaction failed and will be retried"):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


logging.getLogger("neo4j.session").addFilter(_RoutineRetries())


def _is_write_conflict(exc: neo4j_errors.Neo4jError) -> bool:
    """ArcadeDB's optimistic concurrency: two transactions wrote the same page.

    Its Bolt plugin reports ConcurrentModificationException ("Concurrent modification on
    page ... Please retry the operation") with a code the driver does not treat as
    transient, so ``execute_write`` gives up at once. Seen when two processes of one
    profile (daemon workers, a script) store nodes of the same type at the same moment.
    The transaction was rolled back, so running the (idempotent) work again is safe.
    """
    text = f"{exc.code or ''} {exc.message or ''}"
    return "ConcurrentModification" in text or "Concurrent modification" in text


class _RetryAloneError(Exception):
    """Raised in a transaction function the driver runs again: the next run waits for a
    turn alone instead (a run among the other writers may lose the same way again)."""


@dataclass(frozen=True, slots=True)
class QueryResult:
    """Rows of an ad-hoc query: column names in order, and one dict per row."""

    keys: list[str]
    rows: list[dict[str, Any]]


class Transaction:
    """A managed transaction, handed to the function given to :meth:`Store.write_tx`."""

    def __init__(self, tx: neo4j.AsyncManagedTransaction, tags: Mapping[str, str]) -> None:
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
            if exc.is_retryable():
                raise  # let the driver retry the whole transaction
            raise _query_error(query.name, exc) from exc


def _check_read(query: CypherQuery, params: Mapping[str, Any]) -> None:
    if query.mode != "read":
        raise QueryError(f"query {query.name!r} is a {query.mode} query, not a read")
    _check_params(query, params)


def _check_params(query: CypherQuery, params: Mapping[str, Any]) -> None:
    missing = query.params - params.keys()
    extra = params.keys() - query.params
    if missing or extra:
        raise QueryError(
            f"query {query.name!r} takes {sorted(query.params)}; "
            f"missing {sorted(missing)}, unexpected {sorted(extra)}"
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
        retry_time: float = RETRY_TIME,
        write_lock: WriteLock | None = None,
        command_timeout: float | None = None,
    ) -> None:
        self.uri = uri
        self.database = database
        #: the server's own bound on a statement, when it cannot stop one whose client
        #: gave up (ArcadeDB over Bolt); None: dropping the connection stops it (Neo4j)
        self.command_timeout = command_timeout
        self._auth = (user, password)
        self._retry_time = retry_time
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

    def set_recovery(self, recovery: Callable[[], Awaitable[str]]) -> None:
        """Use ``recovery`` to bring an unreachable server back; it returns the new URI.

        A local server that died is noticed at once (the connection is refused), so the
        driver's own retries are kept short when a recovery is set.
        """
        self._recovery = recovery
        self._retry_time = min(self._retry_time, 3.0)

    def _get_driver(self) -> neo4j.AsyncDriver:
        if self._driver is None:
            self._driver = neo4j.AsyncGraphDatabase.driver(
                self.uri,
                auth=self._auth,
                connection_timeout=5.0,
                connection_acquisition_timeout=30.0,
                max_transaction_retry_time=self._retry_time,
                max_connection_pool_size=50,
                keep_alive=True,
                notifications_min_severity="OFF",
            )
            hydrate_local_datetimes_natively(self._driver)
        return self._driver

    async def close(self) -> None:
        """Close every connection; the store can be used again afterwards (it reconnects)."""
        driver, self._driver = self._driver, None
        if driver is not None:
            await self._close_idle_reads()
            await driver.close()

    async def check(self) -> None:
        """Prove the server answers a real query (an open port is not enough)."""
        await self._call(self._ping, "the readiness query")

    async def _ping(self, driver: neo4j.AsyncDriver) -> None:
        async with driver.session(database=self.database) as session:
            result = await session.run(query("store.ping").text)
            await result.consume()

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
                if isinstance(exc, neo4j_errors.ClientError) and not isinstance(
                    exc, neo4j_errors.AuthError
                ):
                    raise _query_error(query.name, exc) from exc
                raise
            await self._keep_read_session(driver, session)
            return rows

        return await self._call(attempt, query.name)

    def _read_session(self, driver: neo4j.AsyncDriver) -> neo4j.AsyncSession:
        if driver is self._driver and self._idle_reads:
            return self._idle_reads.pop()
        return driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS)

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
        """Run one named write (or schema) statement in its own managed transaction."""
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
        """Run ``work`` in one managed write transaction; it may run more than once.

        ``work`` must be idempotent: the driver repeats it when the server reports a
        transient failure (a conflicting concurrent write, a lost connection before commit).
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
        if clause is not None:
            raise ReadOnlyQueryError(
                f"the statement contains the write clause {clause}; graphflow.cypher and "
                "the shell run read-only statements (use ':write on' in the shell to write)"
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

        sent = False

        async def attempt(driver: neo4j.AsyncDriver) -> QueryResult:
            nonlocal sent
            if sent:  # the server may still be running the first copy
                raise StoreUnavailableError(
                    f"the connection to {self.uri} was lost while the statement ran; it "
                    "was not run again (run it again once the store answers)"
                )
            async with driver.session(database=self.database) as session:
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
                except neo4j_errors.ClientError as exc:
                    # the server's own words (with the position it marks) are what users
                    # need; a server-side time limit is a timeout too
                    raise _statement_error(exc) from exc
            return QueryResult(keys, rows)

        return await self._call(attempt, "statement")

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
        # tags and a server-side timeout let a stuck transaction be traced on the server
        runs = 0
        takes_turns = write and self._write_lock is not None
        #: after a lost conflict the next run has the store to itself (see _write_lock)
        alone = False

        @neo4j.unit_of_work(metadata=dict(tags), timeout=TRANSACTION_TIMEOUT)
        async def tx_function(tx: neo4j.AsyncManagedTransaction) -> T:
            nonlocal runs
            runs += 1
            if runs > 1 and write:
                self.write_retries += 1
                if takes_turns and not alone:
                    raise _RetryAloneError  # the driver would retry it among the others
            return await work(Transaction(tx, tags))

        async def attempt(driver: neo4j.AsyncDriver) -> T:
            nonlocal alone
            delay = CONFLICT_FIRST_DELAY
            for conflicts_left in range(CONFLICT_RETRIES, -1, -1):
                try:
                    async with driver.session(database=self.database) as session:
                        run = session.execute_write if write else session.execute_read
                        async with (
                            asyncio.timeout(TRANSACTION_TIMEOUT),
                            self._turn(write, alone=alone),
                        ):
                            return await run(tx_function)
                except _RetryAloneError:
                    alone = True
                    continue
                except neo4j_errors.Neo4jError as exc:
                    if not (conflicts_left and _is_write_conflict(exc)):
                        raise
                    if takes_turns and not alone:
                        alone = True
                        continue
                    log.debug("write conflict in %s; retrying in %.2f s", tags, delay)
                    await asyncio.sleep(delay * (0.5 + random.random()))
                    delay = min(2 * delay, CONFLICT_MAX_DELAY)
            raise AssertionError("unreachable")  # the loop returns or raises

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
            old, self._driver = self._driver, None
            self._generation += 1
            if old is not None and not self._users.get(old):
                await _close_quietly(old)
            if self._recovery is not None:
                self.uri = await self._recovery()

    async def _call(self, attempt: Callable[[neo4j.AsyncDriver], Awaitable[T]], what: str) -> T:
        """Translate driver errors; after a recovery of a dead server, try again.

        With a recovery (the embedded server), a server that is still starting, or that
        several processes of the profile are bringing back at once, gets a few tries with
        back-off; without one, a replaced driver gets one more try.
        """
        recoveries = RECOVERY_ATTEMPTS if self._recovery is not None else 1
        delay = RECOVERY_FIRST_DELAY
        for tries_left in range(recoveries, -1, -1):
            if tries_left < recoveries - 1:  # the server did not answer after a recovery
                await asyncio.sleep(delay)
                delay *= 2
            seen = self._generation
            try:
                return await self._leased(attempt)
            except neo4j_errors.IncompleteCommit as exc:
                raise StoreUnavailableError(
                    f"connection to {self.uri} was lost while committing {what}; "
                    "the commit may or may not have happened"
                ) from exc
            except (neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired, OSError) as exc:
                if tries_left and self._may_recover(seen):
                    await self._recover(seen, exc)
                    continue
                raise StoreUnavailableError(
                    f"cannot reach the graph store at {self.uri}: {_reason(exc)}"
                ) from exc
            except neo4j_errors.AuthError as exc:
                if tries_left and _stale_connection(exc):
                    # a pooled connection from before a server restart: reconnect
                    await self._recover(seen, exc)
                    continue
                raise StoreAuthError(
                    f"the graph store at {self.uri} rejected the credentials of user "
                    f"{self._auth[0]!r}: {exc.message or 'authentication failed'}"
                ) from exc
            except TimeoutError as exc:
                raise StoreUnavailableError(
                    f"{what} on {self.uri} took longer than {TRANSACTION_TIMEOUT:.0f} s"
                ) from exc
            except neo4j_errors.Neo4jError as exc:
                if not _database_closed(exc, self.database):
                    raise StoreError(f"{what} on {self.uri} failed: {exc.message or exc}") from exc
                if tries_left and self._may_recover(seen):
                    await self._recover(seen, exc)
                    continue
                raise StoreUnavailableError(
                    f"the graph store at {self.uri} closed the database {self.database!r} "
                    f"during {what}: its server is stopping"
                ) from exc
            except neo4j_errors.DriverError as exc:
                raise StoreError(f"{what} on {self.uri} failed: {exc}") from exc
        raise AssertionError("unreachable")  # the loop returns or raises

    def _may_recover(self, seen: int) -> bool:
        """Whether a failure that looks like the server going away is worth a recovery: the
        embedded server can be brought back, or another caller replaced the driver since
        this one took it (generation ``seen``)."""
        return self._recovery is not None or self._generation != seen

    async def _leased(self, attempt: Callable[[neo4j.AsyncDriver], Awaitable[T]]) -> T:
        """Run ``attempt`` with the current driver, closing a replaced driver only once its
        last caller is done.

        Closing a driver closes the connections in use too. A transaction of another
        caller, still running on the old driver when one caller recovered, was cut off:
        at best the driver ran it again from the start; at worst it failed inside the
        driver (``'NoneType' object has no attribute 'complete'``), an error nobody can
        classify, and a daemon's process excepted on a store restart.
        """
        driver = self._get_driver()
        self._users[driver] = self._users.get(driver, 0) + 1
        try:
            return await attempt(driver)
        finally:
            self._users[driver] -= 1
            if not self._users[driver]:
                del self._users[driver]
                if driver is not self._driver:  # replaced meanwhile, and now unused
                    await _close_quietly(driver)


def _statement_error(exc: neo4j_errors.ClientError) -> QueryError:
    message = exc.message or str(exc)
    if "timeout" in (exc.code or "").lower() or "command.timeout" in message:
        return QueryTimeoutError(f"the server stopped the statement at its time limit: {message}")
    return QueryError(message)


def row_of(record: neo4j.Record) -> dict[str, Any]:
    """A record as a dict that keeps driver nodes whole (``Record.data`` flattens them)."""
    return dict(zip(record.keys(), record.values(), strict=True))


async def _close_quietly(closable: neo4j.AsyncDriver | neo4j.AsyncSession) -> None:
    """Close a driver or session given up on; its server may be gone, so closing may fail."""
    with contextlib.suppress(Exception):
        await closable.close()


def _database_closed(exc: neo4j_errors.Neo4jError, database: str | None) -> bool:
    """Whether ArcadeDB failed the statement because it is closing the database.

    A server told to stop closes its databases while connections are still open, and a
    statement arriving in between fails with an unknown database error whose whole message
    is the database's name (ArcadeDB's ``DatabaseIsClosedException``). That is the server
    going away, not a bad statement: a daemon's process excepted on a store restart.
    """
    return (
        database is not None
        and isinstance(exc, neo4j_errors.DatabaseError)
        and (exc.message or "").strip() == database
    )


def _stale_connection(exc: neo4j_errors.AuthError) -> bool:
    return "no longer valid" in (exc.message or "")


def _reason(exc: BaseException) -> str:
    """The innermost OS-level reason of a connection failure, short enough to show."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.errno:
            return os.strerror(cause.errno)
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
        cause = cause.__cause__
    text = str(exc).splitlines()
    return text[0] if text else type(exc).__name__
