"""The embedded store: an ArcadeDB server that graphflow starts itself, one per profile.

The server comes from the ``arcadedb-embedded`` wheel (its own JRE and jars). It listens on
127.0.0.1 only, on free ports, with the profile's generated root password, flushes its WAL
with fsync on every commit, and keeps its data under the profile's store folder.

Every graphflow process of the profile shares one server. The running server is published
in ``server.json`` beside the data; a process that needs the store reads it and connects.
Starting is serialised by an exclusive lock on ``launch.lock``: two processes that start
at the same moment take turns, and the second finds the first one's server. A server whose
process died is started again by the next process that needs it. The server's output goes
to ``server.log`` in the same folder, never to the user's terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import importlib.util
import json
import logging
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphflow.errors import StoreAuthError, StoreError, StoreUnavailableError
from graphflow.store._client import TRANSACTION_TIMEOUT, Store
from graphflow.store._reader_user import (
    READER_USER,
    ensure_reader_user,
    install_reader_group,
    read_reader_password,
)
from graphflow.store._write_lock import WriteLock

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from graphflow.store._bookmarks import Bookmarks

log = logging.getLogger(__name__)

__all__ = ["EmbeddedServer", "ServerInfo"]

DATABASE = "graphflow"
ROOT_USER = "root"
SERVER_CLASS = "com.arcadedb.server.ArcadeDBServer"
START_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
#: seconds the server lets one statement run (graphflow's own transactions are bounded
#: by the same figure on the client); a profile option ``store_command_timeout``
DEFAULT_COMMAND_TIMEOUT = TRANSACTION_TIMEOUT
#: statements the server runs at once (more wait their turn): room for graphflow's own
#: next to statements users abandoned, which run on until the command timeout
QUERY_SLOTS = 32
_PORT_CLASH = "Address already in use"


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What ``server.json`` publishes about a running server."""

    pid: int
    bolt_port: int
    http_port: int
    database: str
    started: float

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.bolt_port}"


def _package_dir() -> Path:
    spec = importlib.util.find_spec("arcadedb_embedded")
    if spec is None or spec.origin is None:
        raise StoreError(
            "the embedded store needs the 'arcadedb-embedded' package, which is not "
            f"installed (it has no wheel for {sys.platform}/{platform.machine()}; else: pip "
            "install arcadedb-embedded). Use a Neo4j server instead: graphflow profile "
            "setup NAME --store bolt://HOST:7687 --user neo4j --password-file FILE "
            "--set-default"
        )
    return Path(spec.origin).parent


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _process_state(pid: int) -> str | None:
    """The kernel's one-letter state of ``pid``, or None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # the command name is in parentheses and may contain spaces: the state follows it
    return stat.rsplit(")", 1)[1].split()[0]


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


class EmbeddedServer:
    """Start, find, check and stop the ArcadeDB server of one profile's store folder."""

    def __init__(
        self,
        directory: Path,
        *,
        password: str,
        heap: str = "1g",
        command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
    ) -> None:
        self.directory = directory
        self.heap = heap
        self.command_timeout = command_timeout
        self._password = password
        self._process: subprocess.Popen[bytes] | None = None

    # --- files -----------------------------------------------------------------------

    @property
    def info_file(self) -> Path:
        return self.directory / "server.json"

    @property
    def log_file(self) -> Path:
        return self.directory / "server.log"

    @property
    def args_file(self) -> Path:
        """The JVM's arguments; a 0600 file because they carry the root password."""
        return self.directory / "server.args"

    @property
    def data_directory(self) -> Path:
        return self.directory / "databases"

    def read_info(self) -> ServerInfo | None:
        """The published server, or None if there is none (or the file is unreadable)."""
        try:
            data = json.loads(self.info_file.read_text(encoding="utf-8"))
            return ServerInfo(**data)
        except (FileNotFoundError, ValueError, TypeError):
            return None

    def _write_info(self, info: ServerInfo) -> None:
        tmp = self.info_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(info)), encoding="utf-8")
        os.replace(tmp, self.info_file)

    def _clear_info(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.info_file.unlink()

    # --- liveness --------------------------------------------------------------------

    def _is_ours(self, pid: int) -> bool:
        """Whether ``pid`` is a live (not zombie) ArcadeDB server on this folder."""
        state = _process_state(pid)
        if state is None or state in ("Z", "X"):
            return False
        return f"@{self.args_file}" in _cmdline(pid)

    def _servers_on_folder(self) -> list[int]:
        """Every live server process on this folder, published or not."""
        return [
            int(entry.name)
            for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and self._is_ours(int(entry.name))
        ]

    def running_info(self) -> ServerInfo | None:
        """The published server if its process is alive; does not query it."""
        info = self.read_info()
        if info is not None and self._is_ours(info.pid):
            return info
        return None

    def store(self, info: ServerInfo, bookmarks: Bookmarks | None = None) -> Store:
        """A client for ``info``'s server (the caller owns and closes it); users'
        read-only statements run as the read-only user (see _reader_user)."""
        reader_password = read_reader_password(self.directory)
        return Store(
            info.uri,
            user=ROOT_USER,
            password=self._password,
            database=info.database,
            write_lock=WriteLock(self.directory / "write.lock"),
            command_timeout=self.command_timeout,
            reader=None if reader_password is None else (READER_USER, reader_password),
            local_times_are_utc=True,
            bookmarks=bookmarks,
        )

    async def _answers(self, info: ServerInfo) -> bool:
        client = self.store(info)
        try:
            await client.check()
            return True
        except StoreAuthError as exc:
            raise StoreAuthError(
                f"the embedded store under {self.directory} does not accept the profile's "
                f"password: the password file was changed after the database was created ({exc})"
            ) from exc
        except StoreError:
            # not listening yet, or listening before the database exists (a normal start-up)
            return False
        finally:
            await client.close()

    # --- start and stop --------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _launch_lock(self) -> AsyncIterator[None]:
        """Hold the folder's launch lock; polls so that waiting can be cancelled."""
        handle = await asyncio.to_thread(self._open_lock_file)
        with handle:
            deadline = time.monotonic() + START_TIMEOUT + STOP_TIMEOUT
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StoreUnavailableError(
                            f"another process has held {self.directory / 'launch.lock'} for "
                            f"over {START_TIMEOUT + STOP_TIMEOUT:.0f} s while starting the store"
                        ) from None
                    await asyncio.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _open_lock_file(self) -> Any:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        return open(self.directory / "launch.lock", "a+b")  # closed by the caller

    def claim_host(self) -> None:
        """The embedded store serves one host: its server listens on that host's loopback,
        and a second host sharing the folder (a shared home) would start a second server
        on the same data. The first host to use the folder is recorded; any other is
        refused, pointed at Neo4j, the store for several hosts."""
        me = socket.gethostname()
        path = self.directory / "host"
        try:
            owner = path.read_text().strip()
        except FileNotFoundError:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.write_text(me + "\n")
            return
        if owner and owner != me:
            raise StoreError(
                f"the embedded store in {self.directory} belongs to host {owner!r}, not to "
                f"this host {me!r}: it serves one host. To share a store between hosts, use "
                "a Neo4j profile (graphflow profile setup NAME --store bolt://HOST:7687 ...); "
                f"if this machine was renamed, delete {path}"
            )

    async def ensure_running(self) -> ServerInfo:
        """The running server, started (or restarted) if needed; checked by a real query."""
        await asyncio.to_thread(self.claim_host)
        info = await asyncio.to_thread(self.running_info)
        if info is not None and read_reader_password(self.directory) is not None:
            return info
        return await self.recover()

    async def recover(self) -> ServerInfo:
        """Under the launch lock: keep a server that answers, else start a new one."""
        async with self._launch_lock():
            previous = self.read_info()
            info = self.running_info()
            # a server started before the read-only group existed must load it: restart
            group_added = await asyncio.to_thread(install_reader_group, self.directory)
            if info is not None:
                if not group_added and await self._answers(info):
                    await self._ensure_reader(info)
                    return info
                # alive but deaf for a whole query timeout: a hung server is replaced
                await self._terminate(info.pid)
            for stray in self._servers_on_folder():
                # a server that lost its server.json still holds the database lock
                await self._terminate(stray)
            self._clear_info()
            # the old ports, when free, let clients that cached the URI reconnect as is
            info = await self._start(previous)
            await self._ensure_reader(info)
            return info

    async def _ensure_reader(self, info: ServerInfo) -> None:
        await asyncio.to_thread(ensure_reader_user, self.directory, info.http_port, self._password)

    def _command(self, bolt_port: int, http_port: int, https_port: int) -> list[str]:
        package = _package_dir()
        java = package / "jre" / "bin" / "java"
        if not java.exists():
            raise StoreError(f"the arcadedb-embedded package has no Java runtime at {java}")
        settings = {
            "arcadedb.server.rootPath": str(self.directory),
            "arcadedb.server.databaseDirectory": str(self.data_directory),
            "arcadedb.server.rootPassword": self._password,
            "arcadedb.server.defaultDatabases": f"{DATABASE}[{ROOT_USER}]",
            "arcadedb.server.plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "arcadedb.server.httpIncomingHost": "127.0.0.1",
            "arcadedb.server.httpIncomingPort": str(http_port),
            "arcadedb.server.httpsIncomingPort": str(https_port),
            "arcadedb.bolt.host": "127.0.0.1",
            "arcadedb.bolt.port": str(bolt_port),
            "arcadedb.bolt.defaultDatabase": DATABASE,
            "arcadedb.txWalFlush": "2",
            # the only bound on a statement the server has over Bolt: a statement whose
            # client gave up (Ctrl-C, a time limit) would otherwise run on, holding one
            # of the server's query slots, for as long as it takes
            "arcadedb.command.timeout": str(round(self.command_timeout * 1000)),
            # the slots: by default twice the cores (4 here), so four statements a user
            # abandoned took them all and graphflow itself waited until they ended; the
            # heap watermark still keeps running queries from taking too much memory
            "arcadedb.queryMaxConcurrent": str(QUERY_SLOTS),
        }
        jvm_args = [
            f"-Xmx{self.heap}",
            "-XX:+UseSerialGC",
            "-cp",
            str(package / "jars" / "*"),
            *(f"-D{key}={value}" for key, value in settings.items()),
            SERVER_CLASS,
        ]
        # an argument file keeps the password out of the process list that `ps` shows
        fd = os.open(self.args_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(json.dumps(arg, ensure_ascii=False) for arg in jvm_args) + "\n")
        return [str(java), f"@{self.args_file}"]

    async def _start(self, previous: ServerInfo | None = None) -> ServerInfo:
        log.info("starting the embedded store under %s (it takes a few seconds)", self.directory)
        last_error = ""
        for attempt in range(3):
            if attempt == 0 and previous is not None and _port_free(previous.bolt_port):
                ports = (previous.bolt_port, _free_port(), _free_port())
            else:
                ports = (_free_port(), _free_port(), _free_port())
            log_offset = await asyncio.to_thread(self._spawn, ports)
            assert self._process is not None
            info = ServerInfo(
                pid=self._process.pid,
                bolt_port=ports[0],
                http_port=ports[1],
                database=DATABASE,
                started=time.time(),
            )
            try:
                ready, last_error = await self._wait_ready(info, log_offset)
            except BaseException:
                # cancelled or refused mid-start: never leave a half-started server behind
                await asyncio.shield(self._terminate(info.pid))
                raise
            if ready:
                await asyncio.to_thread(self._write_info, info)
                return info
            if _PORT_CLASH not in last_error:
                break
        raise StoreUnavailableError(
            f"the embedded store under {self.directory} did not start; "
            f"the end of {self.log_file}:\n{last_error}"
        )

    def _spawn(self, ports: tuple[int, int, int]) -> int:
        """Start the server process; returns where its output begins in the log."""
        log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        with open(self.log_file, "ab") as log:
            self._process = subprocess.Popen(
                self._command(*ports),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.directory,
                start_new_session=True,  # outlives this interpreter, away from its Ctrl-C
                close_fds=True,
            )
        return log_offset

    async def _wait_ready(self, info: ServerInfo, log_offset: int) -> tuple[bool, str]:
        """Wait until a real query answers, the process dies, or the time is up."""
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False, await asyncio.to_thread(self._log_tail, log_offset)
            if await self._answers(info):
                return True, ""
            await asyncio.sleep(0.1)
        await self._terminate(info.pid)
        tail = await asyncio.to_thread(self._log_tail, log_offset)
        return False, tail + f"\n(no answer within {START_TIMEOUT:.0f} s)"

    def _log_tail(self, offset: int, lines: int = 15) -> str:
        try:
            with open(self.log_file, "rb") as handle:
                handle.seek(offset)
                text = handle.read().decode("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    async def _terminate(self, pid: int) -> None:
        """SIGTERM (a clean close of the database), then SIGKILL if it hangs."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while self._is_ours(pid) and time.monotonic() < deadline:
            self._reap(pid)
            await asyncio.sleep(0.1)
        if self._is_ours(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            while self._is_ours(pid):
                self._reap(pid)
                await asyncio.sleep(0.05)
        self._reap(pid)

    def _reap(self, pid: int) -> None:
        """Collect our own child's exit status so it does not linger as a zombie."""
        if self._process is not None and self._process.pid == pid:
            self._process.poll()

    async def stop(self) -> bool:
        """Stop the server of this folder; False if none was running."""
        async with self._launch_lock():
            pids = set(self._servers_on_folder())
            info = self.read_info()
            if info is not None and self._is_ours(info.pid):
                pids.add(info.pid)
            for pid in pids:
                await self._terminate(pid)
            self._clear_info()
            return bool(pids)

    def status(self) -> dict[str, Any]:
        """What ``graphflow store status`` shows, without starting anything."""
        info = self.running_info()
        size = sum(p.stat().st_size for p in self.data_directory.rglob("*") if p.is_file())
        return {
            "running": info is not None,
            "pid": info.pid if info else None,
            "uri": info.uri if info else None,
            "http_port": info.http_port if info else None,
            "started": info.started if info else None,
            "data_directory": str(self.data_directory),
            "data_bytes": size,
            "log_file": str(self.log_file),
        }
