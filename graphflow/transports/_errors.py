"""Error messages every transport words the same way, and the OS-error translation.

Each message starts with where the operation ran (``local``, ``ssh user@host:port``),
then what was attempted and on which path, then the reason, so a log line alone tells
which computer and which file to look at (style 6.2)::

    ssh gftest@127.0.0.1:2222: cannot read '/scratch/job/out.txt': no such file
"""

from __future__ import annotations

import errno

from graphflow.errors import RemoteFileNotFoundError, TransportError, ValidationError

__all__ = ["check_remote_path", "from_os_error", "missing", "operation_failed"]

_MISSING_ERRNOS = frozenset({errno.ENOENT})


def missing(where: str, action: str, path: str) -> RemoteFileNotFoundError:
    """The error for a path that does not exist (not retryable)."""
    return RemoteFileNotFoundError(f"{where}: cannot {action} {path!r}: no such file or directory")


def operation_failed(where: str, action: str, path: str | None, reason: str) -> TransportError:
    """The error for any other failure of ``action`` (retryable)."""
    target = f" {path!r}" if path is not None else ""
    return TransportError(f"{where}: cannot {action}{target}: {reason}")


def from_os_error(where: str, action: str, path: str | None, exc: OSError) -> TransportError:
    """Translate an ``OSError`` raised while doing ``action`` on ``path``.

    The path named is the one the OS names (the source of a copy may be the missing
    one), falling back to ``path``. ``ENOENT`` becomes ``RemoteFileNotFoundError``;
    everything else a retryable ``TransportError`` carrying the OS's words. The caller
    chains with ``from``.
    """
    named = str(exc.filename) if exc.filename is not None else path
    if exc.errno in _MISSING_ERRNOS and named is not None:
        return missing(where, action, named)
    reason = exc.strerror or str(exc) or type(exc).__name__
    return operation_failed(where, action, named, reason)


def check_remote_path(where: str, path: str) -> str:
    """Return ``path`` once it is an absolute POSIX path without NUL bytes.

    Relative paths would resolve against different directories on different transports
    (the SFTP start directory, graphflow's own working directory), so they are refused.

    Raises:
        ValidationError: naming the path and what was expected.
    """
    if not isinstance(path, str) or not path.startswith("/") or "\0" in path:
        raise ValidationError(
            f"{where}: expected an absolute POSIX path (starting with '/'), got {path!r}"
        )
    return path
