"""Named reads for synchronous callers, run in the caller's own thread.

Why: graphflow's store lives on graphflow's event loop (:mod:`graphflow._loop`), so a
script or a notebook cell that reads from it waits across threads: the loop is woken to
send the query, and the caller is woken once the answer is in. Around a small read both
threads sleep while the server answers, and waking them was a third of
``lineage.ancestors`` (W6, bench/README.md). The neo4j synchronous driver reads in the
caller's thread instead, with no one else to wake.

It is a fast path only. When it cannot answer (a server that went away, a query the server
refused, any driver error) it says so, and the caller reads on graphflow's loop, whose store
recovers a lost server and reports errors for every read: the two paths never disagree on
what a failure means. One exception: a read that outlasts the transaction timeout is
reported here, rather than waited for a second time.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import TYPE_CHECKING, Any

from graphflow.store._driver_import import import_driver

import_driver()

import neo4j
import neo4j.exceptions as neo4j_errors

from graphflow.errors import StoreUnavailableError
from graphflow.store._temporal import use_native_datetimes

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["BlockingReads", "row_of"]

log = logging.getLogger(__name__)

#: idle sessions kept for the next reads, across all threads
IDLE_SESSIONS = 8


def row_of(record: neo4j.Record) -> dict[str, Any]:
    """A record as a dict that keeps driver nodes whole (``Record.data`` flattens them)."""
    return dict(zip(record.keys(), record.values(), strict=True))


class BlockingReads:
    """The synchronous driver of one store, made on first use and replaced when the
    store's URI changes (an embedded server restarted on another port) or a connection
    fails.

    Sessions are kept between reads, as :meth:`Store.read` keeps its own; a session serves
    one thread at a time, and any thread may take an idle one.
    """

    def __init__(self, auth: tuple[str, str], database: str | None, timeout: float) -> None:
        self._auth = auth
        self._database = database
        self._timeout = timeout
        self._lock = threading.Lock()
        self._driver: neo4j.Driver | None = None
        self._uri: str | None = None
        self._idle: list[tuple[neo4j.Driver, neo4j.Session]] = []

    def read(
        self, uri: str, name: str, text: str, params: Mapping[str, Any]
    ) -> list[dict[str, Any]] | None:
        """The rows of the read statement ``text``, or None if the caller should read on
        graphflow's loop instead."""
        driver = self._driver_for(uri)
        session = self._session(driver)
        try:
            rows = [row_of(record) for record in session.run(text, dict(params))]
        except neo4j_errors.Neo4jError as exc:  # the server answered: the connection is fine
            log.debug("blocking read %s refused (%s); reading on the loop", name, exc)
            _close_quietly(session)
            return None
        except (neo4j_errors.DriverError, OSError) as exc:
            self._forget(driver)
            if _timed_out(exc):
                raise StoreUnavailableError(
                    f"{name} on {uri} took longer than {self._timeout:.0f} s"
                ) from exc
            log.debug("blocking read %s failed (%s); reading on the loop", name, exc)
            return None
        except BaseException:  # Ctrl-C mid-read: the session's connection is mid-answer
            self._forget(driver)
            raise
        self._keep(driver, session)
        return rows

    def close(self) -> None:
        """Close the driver and its sessions; a later read makes a new driver."""
        with self._lock:
            driver, self._driver, self._uri = self._driver, None, None
            idle, self._idle = self._idle, []
        for _, session in idle:
            _close_quietly(session)
        if driver is not None:
            _close_quietly(driver)

    def _driver_for(self, uri: str) -> neo4j.Driver:
        with self._lock:
            if self._driver is not None and self._uri == uri:
                return self._driver
            stale = self._driver is not None  # made for another URI
        if stale:
            self.close()
        driver = neo4j.GraphDatabase.driver(
            uri,
            auth=self._auth,
            connection_timeout=5.0,
            keep_alive=True,
            notifications_min_severity="OFF",
        )
        self._prepare_connections(driver)
        with self._lock:
            if self._driver is None:
                self._driver, self._uri = driver, uri
                return driver
            current = self._driver  # another thread made one meanwhile
        _close_quietly(driver)
        return current

    def _prepare_connections(self, driver: neo4j.Driver) -> None:
        """Each connection hydrates datetimes as the store's own do, and gives up on an
        answer that takes longer than a transaction may (the synchronous driver would
        otherwise wait for ever on a server that hangs)."""
        pool: Any = getattr(driver, "_pool", None)
        opener = getattr(pool, "opener", None)
        if opener is None:
            return

        def open_connection(*args: Any, **kwargs: Any) -> Any:
            connection = opener(*args, **kwargs)
            use_native_datetimes(connection)
            socket = getattr(connection, "socket", None)
            if socket is not None:
                socket.set_read_timeout(self._timeout)
            return connection

        pool.opener = open_connection

    def _session(self, driver: neo4j.Driver) -> neo4j.Session:
        with self._lock:
            if self._idle and self._idle[-1][0] is driver:
                return self._idle.pop()[1]
        return driver.session(database=self._database, default_access_mode=neo4j.READ_ACCESS)

    def _keep(self, driver: neo4j.Driver, session: neo4j.Session) -> None:
        with self._lock:
            if driver is self._driver and len(self._idle) < IDLE_SESSIONS:
                self._idle.append((driver, session))
                return
        _close_quietly(session)

    def _forget(self, driver: neo4j.Driver) -> None:
        """Drop ``driver`` after a failed connection: its pool may hold more dead ones."""
        with self._lock:
            if driver is not self._driver:
                return
        self.close()


def _timed_out(exc: BaseException) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, TimeoutError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _close_quietly(closable: neo4j.Driver | neo4j.Session) -> None:
    """Close a driver or session given up on; its server may be gone, so closing may fail."""
    with contextlib.suppress(Exception):
        closable.close()
