"""Reading fields out of scheduler output: numbers, durations, timestamps, failures.

Optional fields of a ``JobInfo`` (times, counts) are informational: when a scheduler
prints something we cannot read there (``N/A``, ``UNLIMITED``, a new format), the field is
``None`` rather than the whole poll failing. Fields the engine decides on (ids, states,
exit codes) are parsed strictly by each scheduler instead.
"""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, Final

from graphflow.errors import SchedulerError, SchedulerSubmitError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "command_error",
    "parse_count",
    "parse_duration",
    "parse_timestamp",
    "quote_output",
    "submit_error",
    "unparsable_error",
]

_DURATION = re.compile(
    r"(?:(?P<days>[0-9]+)-)?(?:(?:(?P<hours>[0-9]+):)?(?P<minutes>[0-9]+):)?(?P<seconds>[0-9]+)"
)
_DURATION_PARTS = ("days", "hours", "minutes", "seconds")


def parse_count(text: str | None) -> int | None:
    """A non-negative decimal count, or ``None`` if ``text`` is not one."""
    if text is None:
        return None
    stripped = text.strip()
    if stripped.isascii() and stripped.isdigit():
        return int(stripped)
    return None


def parse_duration(text: str | None) -> int | None:
    """Seconds in ``[D-][[HH:]MM:]SS`` (SLURM, PBS, ps), or ``None`` if not a duration.

    ``D-HH`` alone (a SLURM input form) never appears in the outputs we parse, so a lone
    number is read as seconds, as SGE and PBS print it.
    """
    if text is None:
        return None
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        return None
    days, hours, minutes, seconds = (int(match[part] or 0) for part in _DURATION_PARTS)
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def parse_timestamp(text: str | None, formats: Sequence[str]) -> datetime.datetime | None:
    """The first of ``formats`` that reads ``text``, or ``None`` if none does.

    Runs of spaces are collapsed first, because PBS pads day numbers (``Mar  6``).
    """
    if text is None:
        return None
    cleaned = " ".join(text.split())
    for fmt in formats:
        try:
            # Naive on purpose: schedulers print their host's local time without a zone.
            return datetime.datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    return None


def quote_output(text: str, limit: int = 500) -> str:
    """``text`` stripped and cut to ``limit`` characters, for an error message."""
    stripped = text.strip()
    if len(stripped) > limit:
        return stripped[:limit] + "..."
    return stripped


def command_error(scheduler: str, command: str, retval: int, stdout: str, stderr: str) -> str:
    """A message saying that ``command`` failed, carrying the scheduler's own words."""
    words = quote_output(stderr) or quote_output(stdout) or "no output"
    return f"{scheduler}: {command} failed with exit status {retval}: {words}"


# What the submit commands print when the scheduler's server cannot be reached, as opposed
# to refusing the script: SLURM's sbatch, Grid Engine's qsub (commlib), PBS Pro's and
# Torque's qsub. Such a failure is the cluster's, so it is retried with back-off.
_UNREACHABLE: Final = re.compile(
    r"Unable to contact slurm controller|Socket timed out|Slurm temporarily unable"
    r"|Zero Bytes were transmitted or received"
    r"|unable to (?:contact|send message to) qmaster|commlib error|can't connect to service"
    r"|cannot connect to (?:default )?server|Connection refused|pbs_iff|Communication failure",
    re.IGNORECASE,
)


def submit_error(
    scheduler: str, command: str, retval: int, stdout: str, stderr: str
) -> SchedulerError:
    """The error for a failed submit command: retryable when the server was unreachable.

    A ``SchedulerSubmitError`` says the scheduler read the script and refused it, which no
    retry mends; a plain ``SchedulerError`` (the controller down, a socket timeout) is
    retried with the transport tasks' back-off before the job is paused.
    """
    message = command_error(scheduler, command, retval, stdout, stderr)
    if _UNREACHABLE.search(stderr) or _UNREACHABLE.search(stdout):
        return SchedulerError(message)
    return SchedulerSubmitError(message)


def unparsable_error(scheduler: str, command: str, what: str, line: str) -> SchedulerError:
    """An error naming the command, what was expected and the offending output line."""
    return SchedulerError(
        f"{scheduler}: cannot read the output of {command}: expected {what}, "
        f"got {quote_output(line, 200)!r}"
    )
