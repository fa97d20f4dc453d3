"""Running a real daemon (supervisor + workers) for a test profile, through the CLI."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = [
    "DaemonFixture",
    "current_queue_prefix",
    "purge_tasks",
    "queue_prefix_of",
    "queued_tasks",
]

GRAPHFLOW = str(Path(sys.executable).parent / "graphflow")


class DaemonFixture:
    """The daemon of profile ``profile`` in ``home``, whose workers import ``pythonpath``."""

    def __init__(self, home: Path, profile: str, broker: str, pythonpath: list[Path]) -> None:
        self.home = home
        self.profile = profile
        self.broker = broker
        self.pythonpath = pythonpath

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "GRAPHFLOW_HOME": str(self.home),
            "GRAPHFLOW_PROFILE": self.profile,
            "GRAPHFLOW_BROKER": self.broker,
            "PYTHONPATH": os.pathsep.join(
                [*map(str, self.pythonpath), os.environ.get("PYTHONPATH", "")]
            ),
        }

    @property
    def daemon_dir(self) -> Path:
        """This host's daemon folder of the profile (see graphflow.daemon._paths)."""
        return self.home / "profiles" / self.profile / "daemon" / socket.gethostname()

    def cli(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [GRAPHFLOW, *args], env=self.env(), capture_output=True, text=True, timeout=timeout
        )

    def start(self, workers: int = 2) -> None:
        result = self.cli("daemon", "start", str(workers))
        assert result.returncode == 0, result.stdout + result.stderr

    def stop(self) -> None:
        self.cli("daemon", "stop")

    def worker_pids(self) -> list[int]:
        folder = self.daemon_dir / "workers"
        return sorted(int(p.stem) for p in folder.glob("*.json"))

    def stats(self) -> list[dict[str, Any]]:
        folder = self.daemon_dir / "workers"
        return [json.loads(p.read_text()) for p in folder.glob("*.json")]

    def kill_worker(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    def wait_for_workers(
        self, count: int, *, exclude: set[int] = frozenset(), timeout: float = 60
    ) -> list[int]:  # type: ignore[assignment]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = [
                p for p in self.worker_pids() if p not in exclude and Path(f"/proc/{p}").exists()
            ]
            if len(pids) >= count:
                return pids
            time.sleep(0.2)
        raise AssertionError(f"{count} workers did not come up within {timeout} s")

    def logs(self) -> str:
        folder = self.daemon_dir / "logs"
        return "\n".join(
            f"== {p.name}\n{p.read_text(errors='replace')}" for p in sorted(folder.glob("*.log"))
        )


def queue_prefix_of(profile_name: str) -> str:
    """The broker prefix of a profile (its name and its store's id), as its workers use it."""
    from graphflow import _loop, config
    from graphflow.engine._messaging import queue_prefix
    from graphflow.orm import get_backend

    backend = _loop.call(get_backend(config.load_config().get(profile_name)))
    return queue_prefix(backend)


def current_queue_prefix() -> str:
    """The broker prefix of the current profile."""
    from graphflow.orm import current_profile

    return queue_prefix_of(current_profile().name)


def _on_task_queue(broker: str, act: Any) -> int:
    """``await act(queue)`` on the current profile's task queue, as a count."""
    import aio_pika

    prefix = current_queue_prefix()

    async def run() -> int:
        connection = await aio_pika.connect(broker)
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(f"{prefix}.tasks", passive=True)
            return int(await act(queue) or 0)

    return asyncio.run(run())


def queued_tasks(broker: str) -> int:
    """Tasks ready in the profile's queue (delivered, unacknowledged ones not counted)."""

    async def count(queue: Any) -> int:
        return int(queue.declaration_result.message_count or 0)

    return _on_task_queue(broker, count)


def purge_tasks(broker: str) -> int:
    """Empty the profile's task queue; how many tasks it held."""

    async def purge(queue: Any) -> int:
        return int((await queue.purge()).message_count or 0)

    return _on_task_queue(broker, purge)
