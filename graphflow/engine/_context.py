"""Which process the calling code runs in (for CALL links, ``report`` and ``self.submit``)."""

from __future__ import annotations

import contextlib
import contextvars
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from graphflow.engine._process import Process

__all__ = ["current_process", "process_context"]

_current: contextvars.ContextVar[Process | None] = contextvars.ContextVar(
    "graphflow_current_process", default=None
)


def current_process() -> Process | None:
    """The process whose code is running in this thread (None at top level)."""
    return _current.get()


@contextlib.contextmanager
def process_context(process: Process | None) -> Iterator[None]:
    token = _current.set(process)
    try:
        yield
    finally:
        _current.reset(token)
