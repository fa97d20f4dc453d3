"""Timestamps read from the store become Python datetimes straight off the wire.

Why: for every ``LocalDateTime`` it receives (ArcadeDB sends ``ctime`` and ``mtime`` as
those; Neo4j sends a ``DateTime`` with a UTC offset), the driver builds a
``neo4j.time.DateTime`` in pure Python, which graphflow turns into a Python ``datetime``
right away (:func:`graphflow.orm._nodes._as_utc`, the shell,
``graphflow.cypher``). The six ancestors of W6 carry twelve of them: building and
converting them was a fifth of ``lineage.ancestors`` (bench/README.md, W6). Every reader in
graphflow converts with ``to_native()``, which truncates to microseconds, so a
``datetime`` made here with the same truncation is what those readers produced anyway.

Scope: only the connections of graphflow's own drivers, never a user's own ``neo4j``
driver in the same interpreter. It relies on two driver internals (the pool's ``opener``
and a connection's ``hydration_handler.struct_hydration_functions``). Should a driver
release change them, the driver's own hydration stays in use (the same values, slower)
and ``tests/integration/store/test_temporal.py`` fails, so the change is noticed.
"""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    import neo4j

__all__ = [
    "hydrate_local_datetimes_natively",
    "local_datetime",
    "use_native_datetimes",
    "utc_local_datetime",
]

log = logging.getLogger(__name__)

#: Bolt's tag of a LocalDateTime structure: (seconds, nanoseconds) since 1970-01-01T00:00
LOCAL_DATETIME = b"d"
#: Bolt 5's tag of a DateTime with an offset: (UTC seconds, nanoseconds, offset seconds)
OFFSET_DATETIME = b"I"
_EPOCH = datetime.datetime(1970, 1, 1)  # naive: a LocalDateTime has no zone either
_UTC_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def local_datetime(seconds: int, nanoseconds: int) -> datetime.datetime:
    """The naive ``datetime`` of a Bolt LocalDateTime, truncated to microseconds (as the
    driver's ``DateTime.to_native()`` truncates)."""
    return _EPOCH + datetime.timedelta(seconds=seconds, microseconds=nanoseconds // 1000)


def utc_local_datetime(seconds: int, nanoseconds: int) -> datetime.datetime:
    """A Bolt LocalDateTime from a server that keeps every time in UTC without its zone
    (ArcadeDB: graphflow writes ``ctime``, ``mtime`` and every other time in UTC, and it
    comes back as a LocalDateTime): the aware UTC ``datetime`` it stands for."""
    return _UTC_EPOCH + datetime.timedelta(seconds=seconds, microseconds=nanoseconds // 1000)


def offset_datetime(seconds: int, nanoseconds: int, offset: int) -> datetime.datetime:
    """The aware ``datetime`` of a Bolt 5 DateTime at a UTC offset (the same instant as the
    driver's ``DateTime.to_native()``, truncated to microseconds as it truncates)."""
    zone = datetime.UTC if offset == 0 else datetime.timezone(datetime.timedelta(seconds=offset))
    instant = _UTC_EPOCH + datetime.timedelta(seconds=seconds, microseconds=nanoseconds // 1000)
    return instant.astimezone(zone)


def _with_fallback(
    native: Callable[..., datetime.datetime], driver_own: Callable[..., Any]
) -> Callable[..., Any]:
    def hydrate(*fields: int) -> Any:
        try:
            return native(*fields)
        except (OverflowError, ValueError):  # outside years 1-9999: as the driver always did
            return driver_own(*fields)

    return hydrate


def use_native_datetimes(connection: Any, *, local_is_utc: bool = False) -> None:
    """Make one connection of graphflow's driver hydrate LocalDateTime and offset DateTime
    values to Python datetimes (a LocalDateTime to one in UTC if ``local_is_utc``)."""
    handler = getattr(connection, "hydration_handler", None)
    functions = getattr(handler, "struct_hydration_functions", None)
    if not isinstance(functions, dict):
        return
    local = utc_local_datetime if local_is_utc else local_datetime
    for tag, native in ((LOCAL_DATETIME, local), (OFFSET_DATETIME, offset_datetime)):
        if tag in functions:
            functions[tag] = _with_fallback(native, functions[tag])


def hydrate_local_datetimes_natively(
    driver: neo4j.AsyncDriver, *, local_is_utc: bool = False
) -> None:
    """Make every connection ``driver`` opens from now on hydrate LocalDateTime values to
    Python datetimes (see :func:`use_native_datetimes`)."""
    pool: Any = getattr(driver, "_pool", None)
    opener = getattr(pool, "opener", None)
    if opener is None:
        log.debug("this neo4j driver has no pool opener: its own datetime hydration stays")
        return

    async def open_connection(*args: Any, **kwargs: Any) -> Any:
        connection = await opener(*args, **kwargs)
        use_native_datetimes(connection, local_is_utc=local_is_utc)
        return connection

    pool.opener = open_connection
