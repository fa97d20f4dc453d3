"""The SSH transport: one asyncssh connection, exec channels for commands, SFTP for files.

One ``SshTransport`` is one connection. It is shared by every concurrent caller the
transport queue hands it to, so the number of channels open at once is bounded by a
semaphore (``SshSettings.max_sessions``): a burst of a hundred jobs waits its turn
instead of getting ``ChannelOpenError`` from sshd's ``MaxSessions``.

Commands run through a small wrapper (``_ssh_command``) that reports the command's
pid, so a timeout or a cancellation can kill the command's whole process group over a
second channel::

    client                                   remote
    exec /bin/sh -c WRAPPER ---------------> sh: print "graphflow-pid PID", cd WORKDIR
    <------------------ graphflow-pid PID    sh: exec /bin/sh -c COMMAND (same pid)
    stdin, EOF ---------------------------->
    <------------------- stdout, stderr, exit status
    (timeout) env kill -s KILL -- -PID ----> every process of the command's group

asyncssh and OS errors are translated where they are raised (style 6.3): a missing path
is ``RemoteFileNotFoundError``, anything else ``TransportError`` naming the user, host,
port, the operation, the path and asyncssh's reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import posixpath
import stat
from typing import TYPE_CHECKING, Any, Final, TypeVar

from graphflow.errors import GraphflowError, TransportError
from graphflow.transports import _ssh_command
from graphflow.transports._asyncssh import asyncssh
from graphflow.transports._errors import (
    check_remote_path,
    from_os_error,
    missing,
    operation_failed,
)
from graphflow.transports._ssh_settings import SshSettings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Mapping
    from os import PathLike

    from graphflow.transports._protocol import CommandResult

__all__ = ["SshTransport"]

logger = logging.getLogger(__name__)
T = TypeVar("T")

_NAME: Final = "core.ssh"
_CHUNK: Final = 1 << 20
# Bounds the clean-up command sent after a timeout or cancellation.
_KILL_TIMEOUT: Final = 5.0


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first leaf of an exception group (a tree copy fails as its first file did)."""
    first = group.exceptions[0]
    while isinstance(first, BaseExceptionGroup):
        first = first.exceptions[0]
    return first


def _walk_local(top: str) -> tuple[list[str], list[str]]:
    """Directories and files under ``top``, relative to it, parents before children."""
    directories: list[str] = []
    files: list[str] = []
    for root, dirnames, filenames in os.walk(top):
        relative = os.path.relpath(root, top)
        prefix = "" if relative == "." else relative
        directories.extend(os.path.join(prefix, name) for name in sorted(dirnames))
        files.extend(os.path.join(prefix, name) for name in sorted(filenames))
    return directories, files


class SshTransport:
    """A computer reached over SSH with asyncssh.

    Args:
        settings: where and how to connect; see ``SshSettings``.
    """

    def __init__(self, settings: SshSettings) -> None:
        self._settings = settings
        self._where = f"ssh {settings.destination}"
        self._jump: SshTransport | None = None
        self._conn: asyncssh.SSHClientConnection | None = None
        self._sftp: asyncssh.SFTPClient | None = None
        self._sftp_lock = asyncio.Lock()
        # Invariant: at most ``max_sessions`` operations hold a channel at once.
        self._sessions = asyncio.Semaphore(settings.max_sessions)
        self._home: str | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> SshTransport:
        """A transport for the ``SshSettings`` that ``config`` describes.

        Raises:
            ConfigError: naming every unknown key and badly typed value.
        """
        return cls(SshSettings.from_config(config))

    @property
    def name(self) -> str:
        """``core.ssh``."""
        return _NAME

    @property
    def settings(self) -> SshSettings:
        """The settings this transport connects with."""
        return self._settings

    @property
    def is_open(self) -> bool:
        """Whether the connection is up (keep-alive failures and drops turn it false)."""
        return self._conn is not None and not self._conn.is_closed()

    async def __aenter__(self) -> SshTransport:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- connection -------------------------------------------------------------------

    def _option_kwargs(self) -> dict[str, object]:
        settings = self._settings
        config: object
        if settings.ssh_config is True:
            config = ()  # asyncssh reads ~/.ssh/config if it exists
        elif settings.ssh_config is False:
            config = None
        else:
            config = [os.path.expanduser(settings.ssh_config)]
        # () means "not given": asyncssh then asks the configuration, then its defaults.
        # None would disable host-key checking for known_hosts, so it is never passed.
        return {
            "host": settings.host,
            "port": settings.port if settings.port is not None else (),
            "username": settings.username if settings.username is not None else (),
            "client_keys": [os.path.expanduser(settings.key_file)] if settings.key_file else (),
            "known_hosts": (
                os.path.expanduser(settings.known_hosts) if settings.known_hosts else ()
            ),
            "config": config,
            "connect_timeout": settings.connect_timeout,
            "keepalive_interval": settings.keepalive_interval,
            "keepalive_count_max": settings.keepalive_count_max,
        }

    async def open(self) -> None:
        """Connect (through the jump host, if any) and authenticate, within the deadline.

        Raises:
            TransportError: naming user, host and port, and why: refused, timed out,
                host key not in known_hosts, authentication failed, jump host failed.
        """
        if self.is_open:
            return
        await self.close()  # a dead connection left from before
        settings = self._settings
        try:
            async with asyncio.timeout(settings.connect_timeout):
                tunnel = await self._open_jump()
                # Resolved through the SSH configuration in a thread (asyncssh does so),
                # so messages name the user, host and port actually used.
                options = await asyncssh.SSHClientConnectionOptions.construct(
                    **self._option_kwargs()
                )
                self._where = f"ssh {options.username}@{options.host}:{options.port}"
                local_addr = (settings.bind_address, 0) if settings.bind_address else ()
                self._conn = await asyncssh.connect(
                    settings.host,
                    settings.port if settings.port is not None else (),
                    tunnel=tunnel if tunnel is not None else (),
                    local_addr=local_addr,
                    options=options,
                    config=None,
                )
        except GraphflowError:
            await self.close()
            raise
        except (asyncssh.Error, OSError, ValueError) as exc:
            await self.close()
            raise self._connect_error(exc) from exc

    async def _open_jump(self) -> asyncssh.SSHClientConnection | None:
        jump_settings = self._settings.proxy_jump
        if jump_settings is None:
            return None
        self._jump = SshTransport(jump_settings)
        try:
            await self._jump.open()
        except TransportError as exc:
            raise TransportError(f"{self._where}: cannot reach the jump host: {exc}") from exc
        return self._jump._conn

    def _connect_error(self, exc: BaseException) -> TransportError:
        settings = self._settings
        where = self._where
        if isinstance(exc, TimeoutError):
            reason = f"timed out after {settings.connect_timeout} s"
        elif isinstance(exc, asyncssh.HostKeyNotVerifiable):
            known = settings.known_hosts or "the default known_hosts"
            reason = f"host key not verifiable ({exc.reason}); known hosts file: {known}"
        elif isinstance(exc, asyncssh.PermissionDenied):
            key = settings.key_file or "the default keys"
            reason = f"authentication failed ({exc.reason}); key: {key}"
        elif isinstance(exc, asyncssh.DisconnectError):
            reason = f"disconnected by the server ({exc.reason})"
        elif isinstance(exc, ConnectionRefusedError):
            reason = "connection refused (nothing listens on that port?)"
        elif isinstance(exc, OSError):
            reason = exc.strerror or str(exc) or type(exc).__name__
            if exc.filename is not None:  # a key, known_hosts or config file
                reason = f"{reason}: {exc.filename!r}"
        else:
            reason = f"{type(exc).__name__}: {exc}"
        return TransportError(f"{where}: cannot connect: {reason}")

    async def close(self) -> None:
        """Close the SFTP session, the connection and the jump connection. Idempotent.

        Shared references are dropped first, so a caller never gets a closing client.
        """
        sftp, conn, jump = self._sftp, self._conn, self._jump
        self._sftp, self._conn, self._jump = None, None, None
        self._home = None
        if sftp is not None:
            sftp.exit()
        if conn is not None:
            conn.close()
            try:
                async with asyncio.timeout(self._settings.connect_timeout):
                    await conn.wait_closed()
            except TimeoutError:
                conn.abort()
        if jump is not None:
            await jump.close()

    def _connection(self, action: str) -> asyncssh.SSHClientConnection:
        conn = self._conn
        if conn is None or conn.is_closed():
            raise TransportError(f"{self._where}: cannot {action}: the connection is not open")
        return conn

    @contextlib.asynccontextmanager
    async def _operation(
        self, action: str, path: str | None, limit: float | None = None
    ) -> AsyncIterator[asyncssh.SSHClientConnection]:
        """Hold one channel slot for ``action``, under a deadline, translating errors."""
        conn = self._connection(action)
        limit = self._settings.default_timeout if limit is None else limit
        async with self._sessions:
            try:
                async with asyncio.timeout(limit):
                    yield conn
            except TimeoutError as exc:
                raise operation_failed(
                    self._where, action, path, f"timed out after {limit} s"
                ) from exc
            except (asyncssh.Error, OSError) as exc:
                raise self._translate(exc, action, path) from exc

    def _translate(
        self, exc: asyncssh.Error | OSError, action: str, path: str | None
    ) -> TransportError:
        """The graphflow error for an asyncssh or OS error raised while doing ``action``."""
        if isinstance(exc, asyncssh.SFTPNoSuchFile | asyncssh.SFTPNoSuchPath):
            return missing(self._where, action, path or "")
        if isinstance(exc, asyncssh.ChannelOpenError):
            reason = f"the server refused a channel ({exc.reason})"
            return operation_failed(self._where, action, path, reason)
        if isinstance(exc, asyncssh.Error):
            return operation_failed(self._where, action, path, exc.reason)
        return from_os_error(self._where, action, path, exc)

    @contextlib.asynccontextmanager
    async def _sftp_operation(
        self, action: str, path: str | None
    ) -> AsyncIterator[asyncssh.SFTPClient]:
        async with self._operation(action, path) as conn:
            async with self._sftp_lock:
                # One SFTP channel per connection, started by the first file operation.
                if self._sftp is None:
                    self._sftp = await conn.start_sftp_client()
                sftp = self._sftp
            yield sftp

    # --- commands ---------------------------------------------------------------------

    async def exec(
        self,
        command: str,
        *,
        workdir: str | None = None,
        stdin: bytes | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - enforced remotely: the command is killed
    ) -> CommandResult:
        """Run ``command`` with ``/bin/sh -c``; see ``Transport.exec``.

        A timeout or a cancellation kills the command's process group on the remote
        side (over a second channel, within a few seconds) before the call ends.
        """
        if workdir is not None:
            check_remote_path(self._where, workdir)
        limit = self._settings.default_timeout if timeout is None else timeout
        action = "run a command in" if workdir is not None else "run a command"
        conn = self._connection(action)
        pid: int | None = None  # known once the wrapper has reported it
        finished = False
        timed_out: TimeoutError | None = None
        try:
            async with self._sessions:
                try:
                    async with asyncio.timeout(limit):
                        process = await conn.create_process(
                            _ssh_command.remote_command(command, workdir), encoding=None
                        )
                        try:
                            pid = await _ssh_command.read_pid(process, self._where)
                            if stdin:
                                process.stdin.write(stdin)
                            process.stdin.write_eof()
                            stdout, stderr = await process.communicate()
                            finished = True
                        finally:
                            process.close()
                except TimeoutError as exc:
                    timed_out = exc
                except (asyncssh.Error, OSError) as exc:
                    raise self._translate(exc, action, workdir) from exc
        except asyncio.CancelledError:
            # Outside the semaphore: the kill needs a channel slot of its own.
            if pid is not None and not finished:
                await self._kill(pid)
            raise
        if timed_out is not None:
            if pid is not None:
                await self._kill(pid)
            raise TransportError(
                f"{self._where}: command timed out after {limit} s and was killed: {command!r}"
            ) from timed_out
        return _ssh_command.result(process, stdout, stderr, workdir, self._where)

    async def _kill(self, pid: int) -> None:
        """SIGKILL the command's process group (or the shell alone, if it leads none).

        Best effort, bounded by ``_KILL_TIMEOUT``: it runs while a timeout or a
        cancellation is already being raised, which must not be replaced by a failure
        to clean up; such a failure is logged instead.
        """
        command = _ssh_command.kill_command(pid)
        try:
            async with self._operation("kill the command", None, limit=_KILL_TIMEOUT) as conn:
                await conn.run(command, check=False)
        except TransportError:
            logger.warning(
                "%s: could not kill process group %d of a timed-out or cancelled command",
                self._where,
                pid,
                exc_info=True,
            )

    # --- files ------------------------------------------------------------------------

    async def makedirs(self, path: str) -> None:
        """``mkdir -p`` over SFTP."""
        check_remote_path(self._where, path)
        async with self._sftp_operation("create directory", path) as sftp:
            await sftp.makedirs(path, exist_ok=True)

    async def write_bytes(self, path: str, data: bytes, *, mode: int | None = None) -> None:
        """Write ``data`` over SFTP, then ``chmod`` when ``mode`` is given."""
        check_remote_path(self._where, path)
        async with self._sftp_operation("write", path) as sftp:
            async with sftp.open(path, "wb") as handle:
                await handle.write(data)
            if mode is not None:
                await sftp.chmod(path, mode)

    async def read_bytes(self, path: str) -> bytes:
        """Read the whole file over SFTP."""
        check_remote_path(self._where, path)
        async with (
            self._sftp_operation("read", path) as sftp,
            sftp.open(path, "rb") as handle,
        ):
            data = await handle.read()
        assert isinstance(data, bytes)  # binary mode
        return data

    async def put(self, local_path: str | PathLike[str], remote_path: str) -> None:
        """Stream a local file to ``remote_path``; local reads run in a thread."""
        check_remote_path(self._where, remote_path)
        local = os.fspath(local_path)
        source = await self._local_io("read local file", local, open, local, "rb")
        try:
            async with (
                self._sftp_operation("write", remote_path) as sftp,
                sftp.open(remote_path, "wb") as handle,
            ):
                while chunk := await self._local_io("read local file", local, source.read, _CHUNK):
                    await handle.write(chunk)
        finally:
            await asyncio.to_thread(source.close)

    async def get(self, remote_path: str, local_path: str | PathLike[str]) -> None:
        """Stream ``remote_path`` to a local file; local writes run in a thread."""
        check_remote_path(self._where, remote_path)
        local = os.fspath(local_path)
        async with (
            self._sftp_operation("read", remote_path) as sftp,
            sftp.open(remote_path, "rb") as handle,
        ):
            target = await self._local_io("write local file", local, open, local, "wb")
            try:
                while chunk := await handle.read(_CHUNK):
                    assert isinstance(chunk, bytes)  # binary mode
                    await self._local_io("write local file", local, target.write, chunk)
            finally:
                await asyncio.to_thread(target.close)

    async def _local_io(
        self, action: str, path: str, function: Callable[..., T], *args: object
    ) -> T:
        try:
            return await asyncio.to_thread(function, *args)
        except OSError as exc:
            raise from_os_error(self._where, action, path, exc) from exc

    async def put_tree(self, local_dir: str | PathLike[str], remote_dir: str) -> None:
        """Create the directories, then copy the files, up to ``max_sessions`` at a time."""
        check_remote_path(self._where, remote_dir)
        local = os.fspath(local_dir)
        if not await asyncio.to_thread(os.path.isdir, local):
            raise missing(self._where, "copy the local tree", local)
        directories, files = await self._local_io("list local tree", local, _walk_local, local)
        await self.makedirs(remote_dir)
        for directory in directories:
            await self.makedirs(posixpath.join(remote_dir, *directory.split(os.sep)))
        await self._gather(
            self.put(os.path.join(local, name), posixpath.join(remote_dir, *name.split(os.sep)))
            for name in files
        )

    async def get_tree(self, remote_dir: str, local_dir: str | PathLike[str]) -> None:
        """List the tree over SFTP, create local directories, then copy the files."""
        check_remote_path(self._where, remote_dir)
        local = os.fspath(local_dir)
        directories, files = await self._walk_remote(remote_dir)
        await self._local_io("create local directory", local, os.makedirs, local, 0o777, True)
        for directory in directories:
            target = os.path.join(local, *directory.split("/"))
            await self._local_io("create local directory", target, os.makedirs, target, 0o777, True)
        await self._gather(
            self.get(posixpath.join(remote_dir, name), os.path.join(local, *name.split("/")))
            for name in files
        )

    async def _walk_remote(self, top: str) -> tuple[list[str], list[str]]:
        """Directories and files under ``top``, relative, parents first; links followed."""
        directories: list[str] = []
        files: list[str] = []
        pending = [""]
        while pending:
            relative = pending.pop(0)
            path = posixpath.join(top, relative) if relative else top
            async with self._sftp_operation("list", path) as sftp:
                entries = await sftp.readdir(path)
                for entry in sorted(entries, key=lambda entry: str(entry.filename)):
                    name = str(entry.filename)
                    if name in {".", ".."}:
                        continue
                    child = posixpath.join(relative, name) if relative else name
                    attrs = entry.attrs
                    if attrs.permissions is not None and stat.S_ISLNK(attrs.permissions):
                        attrs = await sftp.stat(posixpath.join(top, child))
                    if attrs.permissions is not None and stat.S_ISDIR(attrs.permissions):
                        directories.append(child)
                        pending.append(child)
                    else:
                        files.append(child)
        return directories, files

    async def _gather(self, operations: Iterable[Coroutine[Any, Any, None]]) -> None:
        """Run ``operations`` concurrently (the semaphore bounds them); raise the first error."""
        try:
            async with asyncio.TaskGroup() as group:
                for operation in operations:
                    group.create_task(operation)
        except BaseExceptionGroup as errors:
            raise _first_error(errors) from None

    async def listdir(self, path: str) -> list[str]:
        """Sorted names in ``path`` over SFTP."""
        check_remote_path(self._where, path)
        async with self._sftp_operation("list", path) as sftp:
            names = await sftp.listdir(path)
        return sorted(str(name) for name in names if name not in {".", ".."})

    async def exists(self, path: str) -> bool:
        """``stat`` over SFTP."""
        check_remote_path(self._where, path)
        async with self._sftp_operation("check", path) as sftp:
            return await sftp.exists(path)

    async def is_dir(self, path: str) -> bool:
        """``stat`` over SFTP."""
        check_remote_path(self._where, path)
        async with self._sftp_operation("check", path) as sftp:
            return await sftp.isdir(path)

    async def remove(self, path: str) -> None:
        """``unlink`` over SFTP."""
        check_remote_path(self._where, path)
        async with self._sftp_operation("remove", path) as sftp:
            await sftp.remove(path)

    async def rmtree(self, path: str) -> None:
        """Recursive delete over SFTP."""
        check_remote_path(self._where, path)
        async with self._sftp_operation("remove the tree", path) as sftp:
            if not await sftp.isdir(path):
                if await sftp.exists(path):
                    raise operation_failed(self._where, "remove the tree", path, "not a directory")
                raise missing(self._where, "remove the tree", path)
            await sftp.rmtree(path)

    async def home(self) -> str:
        """The SFTP start directory, which sshd sets to the user's home; cached."""
        if self._home is None:
            async with self._sftp_operation("find the home directory", None) as sftp:
                self._home = await sftp.realpath(".")
        return self._home
