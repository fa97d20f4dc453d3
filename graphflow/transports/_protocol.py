"""The ``Transport`` protocol: what the engine may ask of a computer, local or remote.

A transport runs shell commands and moves files on one computer. The engine never opens
one itself: it asks the transport queue, which shares one open transport per computer
between every process that needs it (paper, section 2.2.12)::

    engine ──request(key)──> TransportQueue ──factory()/open()──> Transport ──> computer
                                  │                                   │
                                  └── shares the open one ────────────┘
                                      closes it when idle

Remote paths are absolute POSIX strings; local paths (``put``, ``get``, the trees) are
paths of the machine graphflow runs on. Every method can raise ``TransportError``
(retryable: the connection dropped, a deadline passed, the server refused) and, where a
path is read, ``RemoteFileNotFoundError`` (not retryable: the path does not exist).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Mapping
    from os import PathLike

__all__ = ["CommandResult", "Transport", "TransportClass"]


@dataclasses.dataclass(frozen=True, slots=True)
class CommandResult:
    """What one command left behind.

    Attributes:
        retval: the exit status; ``128 + N`` when the command was ended by signal ``N``,
            as a shell reports it.
        stdout: standard output, decoded as UTF-8 (undecodable bytes replaced).
        stderr: standard error, decoded the same way.
    """

    retval: int
    stdout: str
    stderr: str


@runtime_checkable
class Transport(Protocol):
    """Commands and files on one computer, asynchronously.

    A transport is opened once, used by many concurrent callers, and closed once. Every
    operation has a deadline (its ``timeout`` or the transport's default), so no caller
    waits forever on a dead connection. Operations on a transport that is not open raise
    ``TransportError``.
    """

    @property
    def name(self) -> str:
        """The entry-point name, such as ``core.ssh``."""
        ...

    @property
    def is_open(self) -> bool:
        """Whether operations can be attempted: opened, not closed, connection alive."""
        ...

    async def open(self) -> None:
        """Connect. Opening an open transport does nothing.

        Raises:
            TransportError: the computer cannot be reached or refused us; the message
                names the host, the port and the reason.
        """
        ...

    async def close(self) -> None:
        """Disconnect and release everything. Idempotent; never raises for a dead link."""
        ...

    async def exec(
        self,
        command: str,
        *,
        workdir: str | None = None,
        stdin: bytes | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - enforced remotely: the command is killed
    ) -> CommandResult:
        """Run ``command`` with ``/bin/sh -c`` (no login shell) and wait for it to end.

        A non-zero exit status is a result, not an error.

        Args:
            command: shell text; the caller quotes what it interpolates.
            workdir: absolute directory to run in; ``None`` runs in the home directory
                on remote computers and in graphflow's working directory locally.
            stdin: bytes fed to the command's standard input, which is then closed;
                ``None`` gives it an empty, closed standard input.
            timeout: seconds the command may run; when they pass, the command and the
                processes it started in its process group are killed (SIGKILL).

        Raises:
            RemoteFileNotFoundError: ``workdir`` does not exist.
            TransportError: the command could not be run, or it timed out and was killed.
        """
        ...

    async def makedirs(self, path: str) -> None:
        """Create ``path`` and any missing parents; an existing directory is fine."""
        ...

    async def write_bytes(self, path: str, data: bytes, *, mode: int | None = None) -> None:
        """Create or replace the file ``path`` with ``data``; ``mode`` sets permissions."""
        ...

    async def read_bytes(self, path: str) -> bytes:
        """The whole content of the file ``path``."""
        ...

    async def put(self, local_path: str | PathLike[str], remote_path: str) -> None:
        """Copy the local file ``local_path`` to ``remote_path`` (created or replaced)."""
        ...

    async def get(self, remote_path: str, local_path: str | PathLike[str]) -> None:
        """Copy the file ``remote_path`` to ``local_path`` (created or replaced)."""
        ...

    async def put_tree(self, local_dir: str | PathLike[str], remote_dir: str) -> None:
        """Copy the contents of ``local_dir`` into ``remote_dir``, creating directories.

        Files already in ``remote_dir`` that ``local_dir`` does not have are kept.
        """
        ...

    async def get_tree(self, remote_dir: str, local_dir: str | PathLike[str]) -> None:
        """Copy the contents of ``remote_dir`` into ``local_dir``, creating directories."""
        ...

    async def listdir(self, path: str) -> list[str]:
        """Names in the directory ``path``, sorted, without ``.`` and ``..``."""
        ...

    async def exists(self, path: str) -> bool:
        """Whether ``path`` exists (a broken symbolic link does not)."""
        ...

    async def is_dir(self, path: str) -> bool:
        """Whether ``path`` is a directory (or a link to one)."""
        ...

    async def remove(self, path: str) -> None:
        """Delete the file ``path``; directories need ``rmtree``."""
        ...

    async def rmtree(self, path: str) -> None:
        """Delete the directory ``path`` and everything in it."""
        ...

    async def home(self) -> str:
        """The absolute home directory, to expand ``~`` in working directories."""
        ...


class TransportClass(Protocol):
    """What ``get_transport_class`` returns: a transport type buildable from configuration."""

    def from_config(self, config: Mapping[str, object]) -> Transport:
        """A closed transport configured by ``config`` (a computer's JSON settings).

        Raises:
            ConfigError: naming every unknown key and every value of the wrong type.
        """
        ...
