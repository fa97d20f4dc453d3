"""Timestamps read from the store become Python datetimes straight off the wire.

Why: for every ``LocalDateTime`` it receives (ArcadeDB sends ``ctime`` and ``mtime`` as
those), the driver builds a ``neo4j.time.DateTime`` in pure Python, which graphflow turns
into a Python ``datetime`` right away (:func:`graphflow.orm._nodes._as_utc`, the shell,
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

__all__ = ["hydrate_local_datetimes_natively", "local_datetime", "use_native_datetimes"]

log = logging.getLogger(__name__)

#: Bolt's tag of a LocalDateTime structure: (seconds, nanoseconds) since 1970-01-01T00:00
LOCAL_DATETIME = b"d"
_EPOCH = datetime.datetime(1970, 1, 1)  # naive: a LocalDateTime has no zone either


def local_datetime(seconds: int, nanoseconds: int) -> datetime.datetime:
    """The naive ``datetime`` of a Bolt LocalDateTime, truncated to microseconds (as the
    driver's ``DateTime.to_native()`` truncates)."""
    return _EPOCH + datetime.timedelta(seconds=seconds, microseconds=nanoseconds // 1000)


def _with_fallback(driver_own: Callable[..., Any]) -> Callable[..., Any]:
    def hydrate(seconds: int, nanoseconds: int) -> Any:
        try:
            return local_datetime(seconds, nanoseconds)
        except OverflowError:  # outside years 1-9999: the driver does what it always did
            return driver_own(seconds, nanoseconds)

    return hydrate


def use_native_datetimes(connection: Any) -> None:
    """Make one connection of graphflow's driver hydrate LocalDateTime values to Python
    datetimes."""
    handler = getattr(connection, "hydration_handler", None)
    functions = getattr(handler, "struct_hydration_functions", None)
    if isinstance(functions, dict) and LOCAL_DATETIME in functions:
        functions[LOCAL_DATETIME] = _with_fallback(functions[LOCAL_DATETIME])


def hydrate_local_datetimes_natively(driver: neo4j.AsyncDriver) -> None:
    """Make every connection ``driver`` opens from now on hydrate LocalDateTime values to
    Python datetimes."""
    pool: Any = getattr(driver, "_pool", None)
    opener = getattr(pool, "opener", None)
    if opener is None:
        log.debug("this neo4j driver has no pool opener: its own datetime hydration stays")
        return

    async def open_connection(*args: Any, **kwargs: Any) -> Any:
        connection = await opener(*args, **kwargs)
        use_native_datetimes(connection)
        return connection

    pool.opener = open_connection
