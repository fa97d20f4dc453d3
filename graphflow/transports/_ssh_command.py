"""The shell text around every SSH command, and how its output is read back.

sshd runs a command through the user's login shell (``$SHELL -c``), in a new session
whose leader is that shell. We hand it a fixed wrapper that reports its pid, enters the
working directory and ``exec``-s ``/bin/sh -c COMMAND`` under the same pid, so the
command's process group is known and can be killed as a whole::

    exec /bin/sh -c WRAPPER graphflow WORKDIR COMMAND
      stdout: graphflow-pid PID          (first line; login-shell noise before it dropped)
      missing WORKDIR: exit 125, stderr "graphflow-transport: no such working directory"
      otherwise: exactly what COMMAND prints, and its exit status
"""

from __future__ import annotations

import re
import shlex
import signal
from typing import TYPE_CHECKING, Final

from graphflow.errors import TransportError
from graphflow.transports._errors import missing, operation_failed
from graphflow.transports._protocol import CommandResult

if TYPE_CHECKING:
    import asyncssh

__all__ = ["decode", "kill_command", "read_pid", "remote_command", "result"]

_PID_MARKER: Final = "graphflow-pid"
_PID_LINE: Final = re.compile(rf"{_PID_MARKER} ([0-9]+)\n")
# Lines a noisy login shell may print before the wrapper runs; they are dropped.
_MAX_NOISE_LINES: Final = 200
_WORKDIR_EXIT: Final = 125
_WORKDIR_MISSING: Final = "graphflow-transport: no such working directory"
_WORKDIR_UNUSABLE: Final = "graphflow-transport: cannot enter working directory"
# One line, so that any POSIX login shell passes it on unchanged; $1 is the working
# directory (empty for none), $2 the command.
_WRAPPER: Final = (
    f'echo "{_PID_MARKER} $$"; '
    'if [ -n "$1" ]; then '
    f'if [ ! -e "$1" ]; then echo "{_WORKDIR_MISSING}" >&2; exit {_WORKDIR_EXIT}; fi; '
    f'cd -- "$1" || {{ echo "{_WORKDIR_UNUSABLE}" >&2; exit {_WORKDIR_EXIT}; }}; '
    "fi; "
    'exec /bin/sh -c "$2"'
)


def remote_command(command: str, workdir: str | None) -> str:
    """The text to send in the exec request for ``command`` run in ``workdir``."""
    return (
        f"exec /bin/sh -c {shlex.quote(_WRAPPER)} graphflow "
        f"{shlex.quote(workdir or '')} {shlex.quote(command)}"
    )


def kill_command(pid: int) -> str:
    """SIGKILL the process group ``pid`` leads, or ``pid`` alone if it leads none.

    ``env kill`` rather than the shell's builtin: dash's rejects a negative pid.
    """
    return f"env kill -s KILL -- -{pid} 2>/dev/null || env kill -s KILL {pid}"


def decode(data: bytes) -> str:
    """Command output as text; bytes that are not UTF-8 become U+FFFD."""
    return data.decode("utf-8", errors="replace")


async def read_pid(process: asyncssh.SSHClientProcess[bytes], where: str) -> int:
    """The wrapper's pid, from its marker line; lines printed before it are dropped.

    Raises:
        TransportError: the marker never came (the login shell did not run the wrapper).
    """
    for _ in range(_MAX_NOISE_LINES):
        line = decode(await process.stdout.readline())
        match = _PID_LINE.fullmatch(line)
        if match is not None:
            return int(match[1])
        if not line:
            break
    raise TransportError(
        f"{where}: the remote shell did not run the command wrapper "
        "(is the login shell POSIX-compatible?)"
    )


def _signal_number(name: str) -> int | None:
    try:
        return signal.Signals[f"SIG{name}"].value
    except KeyError:
        return None


def result(
    process: asyncssh.SSHClientProcess[bytes],
    stdout: bytes,
    stderr: bytes,
    workdir: str | None,
    where: str,
) -> CommandResult:
    """The ``CommandResult`` of an ended process; a signal is reported as ``128 + N``.

    Raises:
        RemoteFileNotFoundError: the wrapper found no ``workdir``.
        TransportError: it could not enter ``workdir``, or the channel closed without
            an exit status (the connection was lost).
    """
    exit_signal = process.exit_signal
    exit_status = process.exit_status
    if exit_signal is not None:
        number = _signal_number(exit_signal[0])
        retval = 128 + number if number is not None else -1
    elif exit_status is not None and exit_status >= 0:
        retval = exit_status
    else:
        raise TransportError(
            f"{where}: the command ended without an exit status (the connection was lost?)"
        )
    err = decode(stderr)
    if retval == _WORKDIR_EXIT and workdir is not None:
        if err == f"{_WORKDIR_MISSING}\n":
            raise missing(where, "run a command in", workdir)
        if err.endswith(f"{_WORKDIR_UNUSABLE}\n"):
            reason = err.removesuffix(f"{_WORKDIR_UNUSABLE}\n").strip() or "cd failed"
            raise operation_failed(where, "run a command in", workdir, reason)
    return CommandResult(retval, decode(stdout), err)
