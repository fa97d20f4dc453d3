"""A private RabbitMQ node for tests that change broker-wide settings or restart it.

The machine's RabbitMQ is shared (other tests, benchmarks); tests that lower
``consumer_timeout`` and ``heartbeat`` or restart the broker use a node of their own, on
another port, with its own data under a temporary folder. It runs as the ``rabbitmq``
user, like the packaged one.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

__all__ = ["PrivateRabbitMQ"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PrivateRabbitMQ:
    """``start``/``stop``/``restart`` a RabbitMQ node with the given settings."""

    def __init__(
        self, *, consumer_timeout_ms: int = 4000, heartbeat: int = 2, tick_ms: int = 1000
    ) -> None:
        # its own folder directly under /tmp: the rabbitmq user must reach it (pytest's
        # temporary folders are private to root)
        self.directory = Path(tempfile.mkdtemp(prefix="graphflow-rabbitmq-"))
        self.directory.chmod(0o755)
        self.port = _free_port()
        self.dist_port = _free_port()
        self.node = f"gftest{self.port}@localhost"
        self.consumer_timeout_ms = consumer_timeout_ms
        self.heartbeat = heartbeat
        #: how often a channel checks its deliveries against consumer_timeout (RabbitMQ's
        #: own default is a minute, which would make a 4 s timeout act after up to 64 s)
        self.tick_ms = tick_ms

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/?heartbeat={self.heartbeat}"

    def _env(self) -> dict[str, str]:
        d = self.directory
        return {
            **os.environ,
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONFIG_FILE": str(d / "rabbitmq"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(d / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(d / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(d / "mnesia"),
            "RABBITMQ_LOG_BASE": str(d / "log"),
            "RABBITMQ_PID_FILE": str(d / "pid"),
        }

    def _ctl(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["rabbitmqctl", "-n", self.node, *args],
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def _amqp_open(self) -> bool:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def start(self, timeout: float = 60) -> None:
        d = self.directory
        if not (d / "rabbitmq.conf").exists():
            (d / "log").mkdir(parents=True, exist_ok=True)
            (d / "mnesia").mkdir(parents=True, exist_ok=True)
            (d / "rabbitmq.conf").write_text(
                f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
                f"consumer_timeout = {self.consumer_timeout_ms}\n"
                f"heartbeat = {self.heartbeat}\n"
            )
            (d / "advanced.config").write_text(
                f"[{{rabbit, [{{channel_tick_interval, {self.tick_ms}}}]}}].\n"
            )
            (d / "enabled_plugins").write_text("[].\n")
            shutil.chown(d, "rabbitmq", "rabbitmq")
            for path in d.rglob("*"):
                shutil.chown(path, "rabbitmq", "rabbitmq")
        result = subprocess.run(
            ["rabbitmq-server", "-detached"],
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        if result.returncode != 0:
            raise RuntimeError(f"rabbitmq-server -detached failed: {result.stderr}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._amqp_open() and self._ctl("await_startup", timeout=30).returncode == 0:
                return
            time.sleep(0.3)
        logs = "\n".join(p.read_text()[-2000:] for p in (d / "log").glob("*.log"))
        raise RuntimeError(f"the private RabbitMQ on port {self.port} did not start:\n{logs}")

    def stop(self) -> None:
        if self._amqp_open() or (self.directory / "pid").exists():
            self._ctl("stop", timeout=60)
        deadline = time.monotonic() + 30
        while self._amqp_open() and time.monotonic() < deadline:
            time.sleep(0.2)

    def remove(self) -> None:
        """Stop the node and delete its data."""
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def setting(self, name: str) -> str:
        return self._ctl("eval", f"application:get_env(rabbit, {name}).").stdout.strip()
