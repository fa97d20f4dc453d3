"""Reporting (paper, section 2.2.4): the REPORT level and log records kept on process nodes.

``self.report(msg)`` in a process (and :func:`report` inside a process function) logs
through Python's logging at level REPORT (between INFO and WARNING) and attaches the
record to the process node: a ``:Log`` node with the process's uuid, outside the
provenance graph (no ``:Node`` label). Inside a step, the record joins the step's write,
so a step that is repeated after a crash does not leave its messages twice.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from graphflow.engine._process import Process

__all__ = ["REPORT", "log_row", "report"]

REPORT = 23
logging.addLevelName(REPORT, "REPORT")

process_logger = logging.getLogger("graphflow.process")


def log_row(
    process: Process, levelno: int, message: str, *, logger: str = "graphflow.process"
) -> dict[str, Any]:
    """The properties of one ``:Log`` node for ``process``."""
    return {
        "uuid": str(uuid.uuid4()),
        "process_uuid": process.node.uuid,
        "process_pk": process.node.pk,
        "time": datetime.datetime.now(datetime.UTC),
        "level": logging.getLevelName(levelno),
        "levelno": levelno,
        "message": message,
        "logger": logger,
    }


class LogSink(Protocol):
    """Where log records go: a step's write scope, or a write batch."""

    def add_log(self, row: dict[str, Any]) -> None: ...


def emit(
    process: Process,
    levelno: int,
    message: str,
    sink: LogSink,
    *,
    logging_level: int | None = None,
) -> None:
    """Add the record of ``message`` to ``sink`` at ``levelno``, and log it through Python
    logging (at ``logging_level``, if that differs)."""
    process_logger.log(
        levelno if logging_level is None else logging_level,
        "[%s %s] %s",
        process.node.process_label,
        process.node.pk,
        message,
        extra={"process_uuid": process.node.uuid},
    )
    sink.add_log(log_row(process, levelno, message))


def report(message: str, *args: Any) -> None:
    """Report a message on the process whose code is running (e.g. a calcfunction body)."""
    from graphflow.engine._context import current_process
    from graphflow.errors import ProcessError

    process = current_process()
    if process is None:
        raise ProcessError("report() was called outside of a running process")
    process.report(message, *args)
