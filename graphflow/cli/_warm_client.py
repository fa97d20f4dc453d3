"""The fast path of the ``graphflow`` command: hand a quick command to a warm interpreter.

A new interpreter spends most of a quick command importing: the neo4j driver alone builds
tables of every date it can represent and of every 16-bit integer when imported (0.15 to
0.25 s, against about 0.06 s for the command's own work). So, as Mercurial's chg does, a command
server per installation and ``GRAPHFLOW_HOME`` keeps those modules imported and forks a
child per command; the child takes over the client's arguments, environment, working
directory, umask and its stdin, stdout and stderr (passed over a Unix socket), and sends
back the exit status. The client forwards Ctrl-C and termination signals to the child.

Only read-only commands that never prompt are served (:data:`SERVED`): the child is not
in the terminal's foreground process group, so it must never read from the terminal.
Everything else, and every command when no server answers, runs in the client as before;
a served command that finds no server also starts one in the background. The server
exits after :data:`IDLE_SECONDS` without a command, and as soon as graphflow's code or an
installed package changed on disk. ``GRAPHFLOW_CLI_SERVER=0`` turns the fast path off.

This module imports only the standard library: it runs before anything else is imported.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import struct
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphflow._home import graphflow_home

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "ENV_SWITCH",
    "IDLE_SECONDS",
    "SERVED",
    "describe_server",
    "is_listening",
    "read_message",
    "run_warm",
    "send_message",
    "socket_path",
    "stop_server",
]

ENV_SWITCH = "GRAPHFLOW_CLI_SERVER"
#: a server with nothing to do for this long exits (it holds ~100 MB)
IDLE_SECONDS = 900.0
#: the commands a server runs: (verb, sub-command); they read the store and never prompt
SERVED = frozenset(
    {
        ("node", "show"),
        ("node", "graph"),
        ("export", "prov"),
        ("process", "list"),
        ("process", "show"),
        ("process", "report"),
        ("process", "status"),
    }
)
#: Unix socket paths are limited to 108 bytes on Linux; longer homes get no fast path
_MAX_SOCKET_PATH = 100
_FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
_HEADER = struct.Struct("!I")
#: a server that does not take a command this fast is wedged: the client runs it
_START_TIMEOUT = 10.0


def run_warm(argv: list[str]) -> int | None:
    """Run ``argv`` in the command server: its exit status, or None to run it here.

    None means the server did not take the command (not served, no server yet, a stale
    server, no usable stdio); a command the server took is never run a second time here,
    even if its child died.
    """
    if _switched_off():
        return None
    if _verb(argv) not in SERVED or not _stdio_open():
        return None
    path = socket_path()
    if path is None:
        return None
    try:
        umask = os.umask(0)
        os.umask(umask)
        request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "umask": umask}
    except OSError:  # the working directory was deleted: let the command say so
        return None
    sock = _connect(path)
    if sock is None:
        _start_server(path)
        return None
    with sock:
        return _converse(sock, request, path)


def socket_path() -> Path | None:
    """The server's socket for this interpreter, installation and ``PYTHONPATH``.

    A server only serves the code it imported, so another virtual environment or
    ``PYTHONPATH`` gets a server of its own.
    """
    home = graphflow_home()
    identity = "\0".join(
        [sys.executable, str(Path(__file__).resolve().parent), os.environ.get("PYTHONPATH", "")]
    )
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    path = home / "run" / f"cli-{digest}.sock"
    return path if len(str(path)) <= _MAX_SOCKET_PATH else None


def describe_server() -> str:
    """One line for ``graphflow status``: whether quick commands are served, and where."""
    if _switched_off():
        return f"off ({ENV_SWITCH}={os.environ[ENV_SWITCH]})"
    path = socket_path()
    if path is None:
        return f"unavailable: {graphflow_home()} is too long a path for a Unix socket"
    if not is_listening(path):
        return "not running (the next quick command starts it)"
    return f"running on {path}"


def is_listening(path: Path) -> bool:
    """Whether a server accepts connections on ``path``."""
    sock = _connect(path)
    if sock is None:
        return False
    sock.close()  # the server reads an empty request and waits for the next one
    return True


def stop_server(path: Path) -> bool:
    """Ask the server on ``path`` to exit; False if none was listening."""
    sock = _connect(path)
    if sock is None:
        return False
    with sock:
        send_message(sock, {"stop": True})
        read_message(sock)  # the server closes the connection once it stopped listening
    return True


def send_message(sock: socket.socket, message: dict[str, Any], fds: Sequence[int] = ()) -> None:
    """Send one length-prefixed JSON message, with ``fds`` riding along."""
    body = json.dumps(message).encode()
    data = _HEADER.pack(len(body)) + body
    sent = socket.send_fds(sock, [data], list(fds)) if fds else 0
    if sent < len(data):  # sending nothing to a peer that already answered and left: EPIPE
        sock.sendall(data[sent:])


def read_message(sock: socket.socket, fds: int = 0) -> dict[str, Any] | None:
    """Read one message (and up to ``fds`` descriptors); None if the peer closed first."""
    received: list[int] = []
    head = b""
    if fds:
        head, received, _flags, _addr = socket.recv_fds(sock, _HEADER.size, fds)
    try:
        head += _read_exactly(sock, _HEADER.size - len(head))
        (size,) = _HEADER.unpack(head)
        message: dict[str, Any] = json.loads(_read_exactly(sock, size))
    except (EOFError, ValueError):
        for fd in received:
            os.close(fd)
        return None
    if fds:
        message["fds"] = received
    return message


def _connect(path: Path) -> socket.socket | None:
    """A connection to the server on ``path`` (with the start timeout), or None."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(_START_TIMEOUT)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        return None
    return sock


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = []
    while size:
        chunk = sock.recv(size)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _switched_off() -> bool:
    return os.environ.get(ENV_SWITCH, "1").strip().lower() in {"0", "off", "no", "false"}


def _verb(argv: list[str]) -> tuple[str, str] | None:
    """The (verb, sub-command) of a command line, past the group's ``--profile``."""
    words = iter(argv)
    for word in words:
        if word in {"-p", "--profile"}:
            next(words, None)
        elif word.startswith(("--profile=", "-p")):
            continue
        elif word.startswith("-"):
            return None  # --help, --version, or a typo: cheap, or an error, either way here
        else:
            return word, next(words, "")
    return None


def _stdio_open() -> bool:
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
    except OSError:
        return False
    return True


def _converse(sock: socket.socket, request: dict[str, Any], path: Path) -> int | None:
    try:
        send_message(sock, request, [0, 1, 2])
        started = read_message(sock)
    except OSError:
        return None
    if started is None or "pid" not in started:
        if started is not None and started.get("stale"):
            _start_server(path)  # the stale one is gone: the next command gets a new one
        return None  # run here
    child = int(started["pid"])
    sock.settimeout(None)  # the command takes as long as it takes

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signum)

    previous = {signum: signal.signal(signum, forward) for signum in _FORWARDED_SIGNALS}
    try:
        finished = read_message(sock)
    except OSError:
        finished = None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if finished is None or "exit" not in finished:
        print(
            f"graphflow: the command server's process {child} ended without an exit status",
            file=sys.stderr,
        )
        return 1
    return int(finished["exit"])


def _start_server(path: Path) -> None:
    """Start a server in the background for the next command (this one runs here)."""
    import subprocess

    home = path.parent.parent
    if not home.is_dir():
        return  # a first command creates the home; the next one starts the server
    path.parent.mkdir(mode=0o700, exist_ok=True)
    log = path.with_suffix(".log")
    with log.open("ab") as err:
        subprocess.Popen(  # our own interpreter and module
            [sys.executable, "-m", "graphflow.cli._warm_server", str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
            cwd="/",  # keeps no directory busy, and puts nothing of the user's on sys.path
            close_fds=True,
        )
