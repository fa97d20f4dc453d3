"""The local transport: commands as asyncio subprocesses, files through worker threads.

For computers that are the machine graphflow runs on. Nothing here blocks the event
loop: commands run as ``asyncio`` subprocesses and every file-system call goes through
``asyncio.to_thread`` (style 4.3). "Remote" paths are simply local absolute paths.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
from typing import TYPE_CHECKING, Final, TypeVar

from graphflow.errors import TransportError
from graphflow.transports._config import check_config
from graphflow.transports._errors import check_remote_path, from_os_error, missing
from graphflow.transports._protocol import CommandResult

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from os import PathLike

__all__ = ["LocalTransport"]

_NAME: Final = "core.local"
_WHERE: Final = "local"
T = TypeVar("T")


def _kill_group(pid: int) -> None:
    """SIGKILL the process group led by ``pid`` (the command and what it started)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _write_file(path: str, data: bytes, mode: int | None) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
    if mode is not None:
        os.chmod(path, mode)


def _read_file(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _copy_tree(source: str, destination: str) -> None:
    shutil.copytree(source, destination, dirs_exist_ok=True)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


class LocalTransport:
    """The machine graphflow runs on, as a transport.

    ``open`` and ``close`` only mark the transport usable or not: there is no
    connection. Commands run in a new session, so a timeout kills the command's whole
    process group and nothing it started lingers (a command that calls ``setsid``
    itself, like the direct scheduler's submit, leaves that group on purpose).

    Args:
        default_timeout: seconds a command may run when ``exec`` is given no timeout.
    """

    def __init__(self, *, default_timeout: float = 600.0) -> None:
        self._default_timeout = default_timeout
        self._open = False

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> LocalTransport:
        """A local transport; the only setting is ``default_timeout`` (seconds).

        Raises:
            ConfigError: naming every unknown key and badly typed value.
        """
        checked = check_config(_NAME, config, {"default_timeout": (float,)})
        timeout = checked.get("default_timeout", 600.0)
        assert isinstance(timeout, float)  # guaranteed by check_config
        return cls(default_timeout=timeout)

    @property
    def name(self) -> str:
        """``core.local``."""
        return _NAME

    @property
    def is_open(self) -> bool:
        """Whether ``open`` was called and ``close`` was not."""
        return self._open

    async def open(self) -> None:
        """Mark the transport usable."""
        self._open = True

    async def close(self) -> None:
        """Mark the transport closed; later operations raise ``TransportError``."""
        self._open = False

    async def __aenter__(self) -> LocalTransport:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _check_open(self, action: str) -> None:
        if not self._open:
            raise TransportError(f"{_WHERE}: cannot {action}: the transport is not open")

    async def _io(self, action: str, path: str, function: Callable[..., T], *args: object) -> T:
        """Run a blocking file-system ``function`` in a thread, translating OS errors."""
        self._check_open(action)
        try:
            return await asyncio.to_thread(function, *args)
        except OSError as exc:
            raise from_os_error(_WHERE, action, path, exc) from exc

    async def exec(
        self,
        command: str,
        *,
        workdir: str | None = None,
        stdin: bytes | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - enforced remotely: the command is killed
    ) -> CommandResult:
        """Run ``command`` with ``/bin/sh -c``; see ``Transport.exec``.

        Cancelling the call kills the command's process group before re-raising.
        """
        self._check_open("run a command")
        if workdir is not None:
            check_remote_path(_WHERE, workdir)
        limit = self._default_timeout if timeout is None else timeout
        try:
            process = await asyncio.create_subprocess_exec(
                "/bin/sh",
                "-c",
                command,
                cwd=workdir,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            if workdir is not None and isinstance(exc, FileNotFoundError):
                raise missing(_WHERE, "run a command in", workdir) from exc
            raise from_os_error(_WHERE, "run a command in", workdir, exc) from exc
        try:
            async with asyncio.timeout(limit):
                # Bytes, even empty: ``communicate`` closes stdin only when given input.
                stdout, stderr = await process.communicate(stdin or b"")
        except TimeoutError as exc:
            _kill_group(process.pid)
            await process.wait()
            raise TransportError(
                f"{_WHERE}: command timed out after {limit} s and was killed: {command!r}"
            ) from exc
        except BaseException:
            # Cancelled: the command must not outlive the caller that wanted it.
            _kill_group(process.pid)
            raise
        returncode = process.returncode
        assert returncode is not None  # communicate() returned, so the process ended
        retval = 128 - returncode if returncode < 0 else returncode
        return CommandResult(retval, _decode(stdout), _decode(stderr))

    async def makedirs(self, path: str) -> None:
        """``os.makedirs(path, exist_ok=True)`` in a thread."""
        check_remote_path(_WHERE, path)
        await self._io("create directory", path, os.makedirs, path, 0o777, True)

    async def write_bytes(self, path: str, data: bytes, *, mode: int | None = None) -> None:
        """Write ``data`` to ``path`` in a thread, then ``chmod`` it if ``mode`` is given."""
        check_remote_path(_WHERE, path)
        await self._io("write", path, _write_file, path, data, mode)

    async def read_bytes(self, path: str) -> bytes:
        """Read ``path`` in a thread."""
        check_remote_path(_WHERE, path)
        return await self._io("read", path, _read_file, path)

    async def put(self, local_path: str | PathLike[str], remote_path: str) -> None:
        """Copy a file in a thread (``shutil.copyfile``)."""
        check_remote_path(_WHERE, remote_path)
        await self._io("copy to", remote_path, shutil.copyfile, os.fspath(local_path), remote_path)

    async def get(self, remote_path: str, local_path: str | PathLike[str]) -> None:
        """Copy a file in a thread (``shutil.copyfile``)."""
        check_remote_path(_WHERE, remote_path)
        await self._io("copy", remote_path, shutil.copyfile, remote_path, os.fspath(local_path))

    async def put_tree(self, local_dir: str | PathLike[str], remote_dir: str) -> None:
        """Copy a directory's contents in a thread (``shutil.copytree``)."""
        check_remote_path(_WHERE, remote_dir)
        await self._io("copy a tree to", remote_dir, _copy_tree, os.fspath(local_dir), remote_dir)

    async def get_tree(self, remote_dir: str, local_dir: str | PathLike[str]) -> None:
        """Copy a directory's contents in a thread (``shutil.copytree``)."""
        check_remote_path(_WHERE, remote_dir)
        await self._io("copy the tree", remote_dir, _copy_tree, remote_dir, os.fspath(local_dir))

    async def listdir(self, path: str) -> list[str]:
        """``sorted(os.listdir(path))`` in a thread."""
        check_remote_path(_WHERE, path)
        return sorted(await self._io("list", path, os.listdir, path))

    async def exists(self, path: str) -> bool:
        """``os.path.exists`` in a thread."""
        check_remote_path(_WHERE, path)
        return await self._io("check", path, os.path.exists, path)

    async def is_dir(self, path: str) -> bool:
        """``os.path.isdir`` in a thread."""
        check_remote_path(_WHERE, path)
        return await self._io("check", path, os.path.isdir, path)

    async def remove(self, path: str) -> None:
        """``os.remove`` in a thread."""
        check_remote_path(_WHERE, path)
        await self._io("remove", path, os.remove, path)

    async def rmtree(self, path: str) -> None:
        """``shutil.rmtree`` in a thread."""
        check_remote_path(_WHERE, path)
        await self._io("remove the tree", path, shutil.rmtree, path)

    async def home(self) -> str:
        """The home directory of the user graphflow runs as."""
        self._check_open("find the home directory")
        # expanduser may read the password database when HOME is unset.
        return await asyncio.to_thread(os.path.expanduser, "~")
