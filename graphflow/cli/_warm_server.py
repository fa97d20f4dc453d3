"""The command server behind the ``graphflow`` command's fast path.

``python -m graphflow.cli._warm_server SOCKET`` imports what the served commands need,
listens on ``SOCKET`` and forks a child per command (see :mod:`graphflow.cli._warm_client`
for why and for the protocol). The server itself never connects to a store, starts a
thread or runs user code: a child forked from it starts from a clean, single-threaded
interpreter that only has its modules imported. graphflow's CLI modules are left for the
child to import, because they make their rich consoles at import time and those must
see the client's terminal and environment, not the server's.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import importlib
import os
import signal
import socket
import struct
import sys
import threading
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from graphflow.cli._warm_client import IDLE_SECONDS, read_message, send_message

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["code_fingerprint", "serve"]

#: imported once by the server; the slow part of every served command
PRELOADED = (
    "click",
    "rich.console",
    "rich.table",
    "graphflow.orm",
    "graphflow.lineage",
    "graphflow.lineage._render",
    "graphflow.lineage._prov",
)
#: how long a client may take to send its command once connected
_REQUEST_TIMEOUT = 5.0
_PEERCRED = struct.Struct("3i")  # pid, uid, gid


def serve(path: Path, idle_seconds: float = IDLE_SECONDS) -> None:
    """Serve commands on ``path`` until idle, stale or asked to stop.

    The client that made the server stop is answered only once the socket and its lock
    are given up, so that it can start a new server at once.
    """
    stopped_by: socket.socket | None = None
    verdict = "next"
    with _sole_server(path) as sole:
        if not sole:
            return  # another server has the socket: exit before importing anything
        _preload()
        fingerprint = code_fingerprint()
        if threading.active_count() != 1:
            raise SystemExit("graphflow command server: a preloaded module started a thread")
        with _listening(path) as listener:
            signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children
            listener.settimeout(idle_seconds)
            while True:
                try:
                    conn, _address = listener.accept()
                except TimeoutError:
                    break
                verdict = _serve_one(listener, conn, fingerprint)
                if verdict != "next":
                    stopped_by = conn
                    break
                conn.close()
    if stopped_by is not None:
        with stopped_by:
            if verdict == "stale":
                send_message(stopped_by, {"stale": True})  # the client runs it here


def code_fingerprint() -> str:
    """What the imported code was read from: every graphflow source and query file, and
    the installed packages' directories (which change when a package is installed)."""
    from graphflow.store._queries import cypher_directory

    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for root in (package, cypher_directory()):
        for file in _files(root):
            digest.update(f"{file}\0{file.stat().st_mtime_ns}\0".encode())
    for entry in sys.path[1:]:  # [0] is the server's working directory
        with contextlib.suppress(OSError):
            digest.update(f"{entry}\0{os.stat(entry).st_mtime_ns}\0".encode())
    return digest.hexdigest()


def _files(root: Path) -> Iterator[Path]:
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__")
        for name in sorted(names):
            if name.endswith((".py", ".cypher")):
                yield Path(directory, name)


def _preload() -> None:
    from graphflow.store._driver_import import import_driver

    import_driver()
    for name in PRELOADED:
        importlib.import_module(name)


@contextlib.contextmanager
def _sole_server(path: Path) -> Iterator[bool]:
    """Whether this is the only server for ``path``: a lock beside the socket, held for
    the server's life, decides between servers started at once."""
    directory = path.parent
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = directory.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise SystemExit(
            f"graphflow command server: {directory} must be private to its owner (mode 700)"
        )
    with path.with_suffix(".lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True


@contextlib.contextmanager
def _listening(path: Path) -> Iterator[socket.socket]:
    """The listening socket, replacing one left by a server that died (the caller holds
    the lock, so no live server owns it)."""
    path.unlink(missing_ok=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(path))
        listener.listen(64)
        try:
            yield listener
        finally:
            path.unlink(missing_ok=True)


def _serve_one(listener: socket.socket, conn: socket.socket, fingerprint: str) -> str:
    """Start one command in a child: "next" when done, or why the server should stop
    ("stop" when asked to, "stale" when its code changed on disk)."""
    conn.settimeout(_REQUEST_TIMEOUT)
    _pid, uid, _gid = _PEERCRED.unpack(
        conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size)
    )
    if uid != os.getuid():
        return "next"  # not ours to serve: the client runs the command itself
    try:
        request = read_message(conn, fds=3)
    except OSError:
        return "next"
    if request is None:
        return "next"
    fds: list[int] = request.pop("fds", [])
    try:
        if request.get("stop"):
            return "stop"
        if code_fingerprint() != fingerprint:
            return "stale"
        if len(fds) != 3:
            send_message(conn, {"refused": "a command needs stdin, stdout and stderr"})
        elif os.fork() == 0:
            _child(listener, conn, request, fds)
        return "next"
    finally:
        for fd in fds:
            os.close(fd)


def _child(
    listener: socket.socket, conn: socket.socket, request: dict[str, Any], fds: list[int]
) -> NoReturn:
    """Become the client's command: its stdio, directory, environment; never return."""
    code = 1
    try:
        listener.close()
        conn.settimeout(None)
        # first of all: from now on the client never runs the command itself
        send_message(conn, {"pid": os.getpid()})
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        _attach_stdio()
        os.chdir(request["cwd"])
        os.umask(int(request["umask"]))
        os.environ.clear()
        os.environ.update(request["env"])
        argv = [str(word) for word in request["argv"]]
        sys.argv = ["graphflow", *argv]
        code = _run(argv)
    except BaseException:  # a child must report and exit, whatever happened
        traceback.print_exc()
    finally:
        code = _finish(code)
        with contextlib.suppress(OSError):  # a client killed meanwhile hears nothing
            send_message(conn, {"exit": code})
        os._exit(code)


def _run(argv: list[str]) -> int:
    from graphflow.cli._root import main

    try:
        main(argv)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    return 0


def _attach_stdio() -> None:
    """Text streams over the client's descriptors, buffered as Python buffers a terminal."""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        old = getattr(sys, name)
        stream = open(  # noqa: SIM115  # lives as long as the child
            fd,
            "r" if fd == 0 else "w",
            encoding=old.encoding,
            errors=old.errors,
            closefd=False,
        )
        if fd:
            stream.reconfigure(line_buffering=fd == 2 or os.isatty(fd))
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _finish(code: int) -> int:
    """Exit as an interpreter would (exit hooks, flushed output), then let go of the
    client's descriptors, so that a pipe from the client closes when the client exits."""
    atexit._run_exitfuncs()  # prints, as an exiting interpreter does, what a hook raised
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            pass  # the reader went away (`| head`): what it wanted was written
        except OSError:
            code = code or 120  # as Python itself exits when it cannot flush
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    return code


def main() -> None:
    if len(sys.argv) not in {2, 3}:
        raise SystemExit("usage: python -m graphflow.cli._warm_server SOCKET [IDLE_SECONDS]")
    serve(Path(sys.argv[1]), *(float(word) for word in sys.argv[2:]))


if __name__ == "__main__":
    main()
