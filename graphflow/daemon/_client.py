"""Controlling a profile's daemon from the CLI: start, stop, status, incr, decr, logs.

Starting is serialised by a lock file, so two ``daemon start`` at once give one daemon.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphflow.config import write_secret
from graphflow.daemon._paths import DaemonPaths
from graphflow.errors import GraphflowError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from graphflow.config import Profile

__all__ = ["DaemonClient", "DaemonError"]

START_TIMEOUT = 60.0


class DaemonError(GraphflowError):
    """The daemon could not be started, reached or stopped."""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


class DaemonClient:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.paths = DaemonPaths.of(profile)

    def supervisor_pid(self) -> int | None:
        """The running supervisor's pid, or None."""
        try:
            pid = int(self.paths.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if not _alive(pid):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        return pid if b"graphflow.daemon._supervisor" in cmdline else None

    def request(self, command: str, count: int = 1, timeout: float = 90.0) -> dict[str, Any]:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            try:
                sock.connect(str(self.paths.socket))
                sock.sendall(json.dumps({"command": command, "count": count}).encode() + b"\n")
                data = b""
                while not data.endswith(b"\n"):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except OSError as exc:
                raise DaemonError(
                    f"the daemon of profile {self.profile.name!r} does not answer on "
                    f"{self.paths.socket}: {exc}"
                ) from exc
        reply: dict[str, Any] = json.loads(data or b"{}")
        if not reply.get("ok"):
            raise DaemonError(str(reply.get("error", "no answer")))
        return reply

    @contextlib.contextmanager
    def _start_lock(self) -> Iterator[None]:
        with open(self.paths.lock, "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def check_startable(self) -> None:
        """Refuse, before anything is stopped, a start that could not find a broker."""
        if not (self.profile.broker_url() or self.paths.broker_file.exists()):
            raise DaemonError(
                f"profile {self.profile.name!r} has no broker: the daemon takes its work from "
                f"RabbitMQ. Set one with 'graphflow profile set-broker {self.profile.name} "
                "amqp://guest:guest@127.0.0.1:5672/' (or GRAPHFLOW_BROKER)"
            )

    def start(self, workers: int) -> tuple[bool, dict[str, Any]]:
        """Start the daemon; (False, status) if it was already running.

        The broker is ``GRAPHFLOW_BROKER`` if set (kept for later restarts), else the
        profile's, else the one a previous start was given by ``GRAPHFLOW_BROKER``.
        """
        self.check_startable()
        with self._start_lock():
            if self.supervisor_pid() is not None:
                return False, self.request("status")
            env = {**os.environ, "GRAPHFLOW_PROFILE": self.profile.name}
            # an override of the profile's broker reaches the daemon in a 0600 file, never
            # in the environment of the supervisor, its workers and what they run
            override = env.pop("GRAPHFLOW_BROKER", None)
            if override:
                write_secret(self.paths.broker_file, override)
            elif self.profile.broker:
                self.paths.broker_file.unlink(missing_ok=True)  # the profile's from now on
            if self.paths.broker_file.exists():
                env["GRAPHFLOW_BROKER_FILE"] = str(self.paths.broker_file)
            with open(self.paths.supervisor_log, "ab") as log:
                subprocess.Popen(  # the supervisor outlives this command
                    [
                        sys.executable,
                        "-m",
                        "graphflow.daemon._supervisor",
                        "--profile",
                        self.profile.name,
                        "--workers",
                        str(workers),
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    env=env,
                    start_new_session=True,
                    close_fds=True,
                )
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                if self.paths.socket.exists() and self.supervisor_pid() is not None:
                    status = self.request("status")
                    ready = [w for w in status["workers"] if w.get("slots") is not None]
                    if len(ready) >= workers:
                        return True, status
                time.sleep(0.2)
            raise DaemonError(
                f"the daemon did not become ready within {START_TIMEOUT:.0f} s; see "
                f"{self.paths.logs}"
            )

    def stop(self, timeout: float = 120.0) -> bool:
        """Stop the daemon (workers hand their processes back); False if none ran."""
        pid = self.supervisor_pid()
        if pid is None:
            return False
        try:
            self.request("stop", timeout=10)
        except DaemonError:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            raise DaemonError(f"the daemon (pid {pid}) did not stop within {timeout:.0f} s: killed")
        return True

    def status(self) -> dict[str, Any] | None:
        if self.supervisor_pid() is None:
            return None
        return self.request("status")

    def log_files(self) -> list[Path]:
        return sorted(self.paths.logs.glob("*.log"))
