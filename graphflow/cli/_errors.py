"""How the command line shows an error that is not graphflow's own: the user's.

A script run with ``graphflow run`` that raises shows the frames of the user's own files
and the exception, as ``python FILE`` would, without the frames of graphflow, click and
runpy between the command line and the script (``--traceback`` or
``GRAPHFLOW_TRACEBACK=1`` shows everything). A syntax error is shown as Python shows it.
An error raised entirely inside graphflow is a bug of graphflow's: it keeps its whole
traceback, for the report.
"""

from __future__ import annotations

import os
import sysconfig
import traceback
from pathlib import Path

import click

import graphflow

__all__ = ["full_tracebacks", "user_traceback"]

# graphflow, click, and the standard library (the thread pool a step runs in): never the
# user's own frames
_INTERNAL_DIRS = (
    *(
        str(Path(module.__file__).resolve().parent) + os.sep
        for module in (graphflow, click)
        if module.__file__ is not None
    ),
    str(Path(sysconfig.get_paths()["stdlib"]).resolve()) + os.sep,
)


def full_tracebacks() -> bool:
    """Whether the user asked for whole tracebacks (``--traceback``, GRAPHFLOW_TRACEBACK)."""
    return os.environ.get("GRAPHFLOW_TRACEBACK", "") not in ("", "0")


def _internal(filename: str, entry_point: str | None) -> bool:
    if filename.startswith("<frozen runpy"):
        return True
    resolved = str(Path(filename).resolve())
    if entry_point is not None and resolved == entry_point:
        return True
    return resolved.startswith(_INTERNAL_DIRS)


def user_traceback(exc: BaseException, *, entry_point: str | None = None) -> str:
    """The text to show for ``exc``: the user's frames and the exception, or (when no
    frame is the user's, or whole tracebacks were asked for) the whole traceback.

    ``entry_point`` is the ``graphflow`` console script's path: its frame is not the
    user's either.
    """
    whole = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    if full_tracebacks():
        return whole
    frames = traceback.extract_tb(exc.__traceback__)
    entry = str(Path(entry_point).resolve()) if entry_point else None
    mine = [frame for frame in frames if not _internal(frame.filename, entry)]
    last_words = "".join(traceback.format_exception_only(type(exc), exc))
    if isinstance(exc, SyntaxError) and not mine:
        return last_words  # File "x.py", line 1, the line, the caret: as Python shows it
    if not mine:
        return whole
    return (
        "Traceback (most recent call last):\n" + "".join(traceback.format_list(mine)) + (last_words)
    )
