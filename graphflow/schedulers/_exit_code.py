"""The exit-code file every job script writes, and the one exit-code convention we report.

SLURM without accounting forgets a job's exit code soon after the job ends, and the direct
scheduler never knew it, so every job script saves ``$?`` of the command into
``EXIT_CODE_FILENAME`` in the working directory. The engine reads that file back through
the transport when the scheduler has nothing better to say, and parses it here.
"""

from __future__ import annotations

import re
from typing import Final

from graphflow.errors import SchedulerError

__all__ = ["EXIT_CODE_FILENAME", "exit_code_from_signal", "parse_exit_code_file"]

EXIT_CODE_FILENAME: Final = ".graphflow_exit_code"
"""Name of the file, in the job's working directory, that holds the command's ``$?``."""

_DECIMAL = re.compile(r"[0-9]{1,3}")


def parse_exit_code_file(text: str) -> int:
    """Read the exit code out of the content of ``EXIT_CODE_FILENAME``.

    The script writes it with ``echo $?``, so the content is a decimal number from 0 to
    255 and a newline. Anything else means the file was not written by our script (or
    was cut short), and guessing would turn a failed job into a successful one.

    Raises:
        SchedulerError: the content is not a single exit code; the message quotes it.
    """
    stripped = text.strip()
    if _DECIMAL.fullmatch(stripped):
        code = int(stripped)
        if code <= 255:
            return code
    shown = text if len(text) <= 80 else text[:80] + "..."
    raise SchedulerError(
        f"{EXIT_CODE_FILENAME}: expected an exit code from 0 to 255, got {shown!r}"
    )


def exit_code_from_signal(signal_number: int) -> int:
    """The exit code a shell reports for a process ended by ``signal_number``.

    Schedulers report signals in their own ways (SLURM ``0:15``, PBS ``256 + 15``); we
    report ``128 + N`` like bash, so a job killed by SIGTERM reads 143 everywhere.
    """
    return 128 + signal_number
