"""The store, as archives use it: from the caller's thread, one page per call.

Reading and writing archive files blocks, so archives run in the caller's thread (the
synchronous edge) and hand each page's statement to graphflow's loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphflow import _loop
from graphflow.orm import get_backend
from graphflow.store import WriteBatch, query

if TYPE_CHECKING:
    from graphflow.orm import Backend

__all__ = ["current_backend", "read_rows", "take_pks", "write_batch", "write_statement"]


def current_backend() -> Backend:
    """The current profile's backend."""
    backend: Backend = _loop.call(get_backend())
    return backend


def read_rows(backend: Backend, name: str, **params: Any) -> list[dict[str, Any]]:
    """The rows of the read statement ``name``."""
    rows: list[dict[str, Any]] = _loop.call(backend.store.read(query(name), **params))
    return rows


def write_statement(backend: Backend, name: str, **params: Any) -> None:
    """Run the write statement ``name`` in a transaction of its own."""
    _loop.call(backend.store.write(query(name), **params))


def write_batch(backend: Backend, batch: WriteBatch) -> None:
    """Commit ``batch`` through the profile's writer, and wait until it is durable."""
    _loop.call(backend.writer.write(batch))


def take_pks(backend: Backend, count: int) -> list[int]:
    """``count`` new pks of the profile."""
    pks: list[int] = _loop.call(backend.pks.take(count))
    return pks
