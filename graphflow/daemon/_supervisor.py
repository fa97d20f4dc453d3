"""The daemon's supervisor: starts N workers, restarts those that crash, takes commands.

It runs detached, one per profile, and answers JSON commands on a UNIX socket in the
profile's daemon folder: ``status``, ``incr N``, ``decr N``, ``stop``. A worker that exits
without being asked to is restarted after a delay that doubles while it keeps crashing
(1 s up to 30 s); its processes are continued by the other workers meanwhile (see the
worker). Every worker's output goes to its own log file.

Run as ``python -m graphflow.daemon._supervisor --profile NAME --workers N``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import psutil

from graphflow.config import resolve_profile
from graphflow.daemon._paths import DaemonPaths

__all__ = ["Supervisor", "health_problem", "main"]

log = logging.getLogger("graphflow.daemon.supervisor")

STOP_TIMEOUT = 60.0
#: a worker writes its statistics every 2 s; older ones mean its loop does not turn
STALE_STATS = 30.0
#: a write waiting longer than this means the store takes no writes from the worker
#: (one transaction may take up to 120 s; the writer gives up on a batch after 600 s)
STALLED_WRITES = 180.0
#: a worker whose statistics are this old is killed and started again: its loop does not
#: turn, so it neither runs nor hands back its processes (RabbitMQ requeues their tasks)
STUCK_WORKER = 60.0
#: seconds between the supervisor's looks at its workers' statistics
HEALTH_INTERVAL = 10.0


#: the figures of a worker's statistics that its status shows
WORKER_FIGURES = ("slots", "busy", "held", "waiting", "parked", "done")


@dataclass
class WorkerSlot:
    number: int
    process: asyncio.subprocess.Process | None = None
    started: float = 0.0
    restarts: int = 0
    stopping: bool = False
    delay: float = 1.0
    watcher: asyncio.Task[None] | None = field(default=None, repr=False)


class Supervisor:
    def __init__(self, profile_name: str, paths: DaemonPaths, workers: int) -> None:
        self.profile_name = profile_name
        self.paths = paths
        self.wanted = workers
        self.slots: list[WorkerSlot] = []
        self._next_number = 1
        self._stopped = asyncio.Event()
        self.started = time.time()

    async def _spawn(self, slot: WorkerSlot) -> None:
        log_file = open(self.paths.worker_log(slot.number), "ab")  # noqa: ASYNC230, SIM115 - handed to the child
        try:
            slot.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "graphflow.daemon._worker",
                "--profile",
                self.profile_name,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
            )
        finally:
            log_file.close()
        slot.started = time.time()
        log.info("worker %d started (pid %d)", slot.number, slot.process.pid)
        slot.watcher = asyncio.get_running_loop().create_task(self._watch(slot))

    async def _watch(self, slot: WorkerSlot) -> None:
        assert slot.process is not None
        code = await slot.process.wait()
        # a worker removes its statistics when it stops; one killed hard cannot
        self._forget(slot.process.pid)
        if slot.stopping or self._stopped.is_set():
            log.info("worker %d (pid %d) stopped", slot.number, slot.process.pid)
            return
        lived = time.time() - slot.started
        slot.delay = 1.0 if lived > 60 else min(slot.delay * 2, 30.0)
        log.error(
            "worker %d (pid %d) exited with %s after %.0f s; restarting in %.0f s",
            slot.number,
            slot.process.pid,
            code,
            lived,
            slot.delay,
        )
        slot.restarts += 1
        await asyncio.sleep(slot.delay)
        if not slot.stopping and not self._stopped.is_set():
            await self._spawn(slot)

    def _forget(self, pid: int) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.paths.workers / f"{pid}.json").unlink()

    def _forget_dead_workers(self) -> None:
        """Remove statistics left by workers of an earlier daemon that were killed hard (its
        supervisor was too, or the machine stopped), so the folder lists live workers only."""
        for stats in self.paths.workers.glob("*.json"):
            if stats.stem.isdigit() and not psutil.pid_exists(int(stats.stem)):
                self._forget(int(stats.stem))

    async def add(self, count: int) -> None:
        for _ in range(count):
            slot = WorkerSlot(self._next_number)
            self._next_number += 1
            self.slots.append(slot)
            await self._spawn(slot)

    async def remove(self, count: int) -> None:
        for _ in range(min(count, len(self.slots))):
            slot = self.slots.pop()
            await self._stop_slot(slot)

    async def _stop_slot(self, slot: WorkerSlot) -> None:
        slot.stopping = True
        process = slot.process
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(STOP_TIMEOUT):
                await process.wait()
        except TimeoutError:
            log.error("worker %d did not stop in %.0f s: killing it", slot.number, STOP_TIMEOUT)
            process.kill()
            await process.wait()

    def _stats(self, slot: WorkerSlot) -> dict[str, Any]:
        """What the worker of ``slot`` last wrote about itself ({} before its first)."""
        if slot.process is None:
            return {}
        with contextlib.suppress(OSError, ValueError):
            stats: dict[str, Any] = json.loads(
                (self.paths.workers / f"{slot.process.pid}.json").read_text()
            )
            return stats
        return {}

    async def _restart_stuck_workers(self) -> None:
        """Kill a worker whose statistics stopped coming; its watcher starts a new one."""
        while True:
            await asyncio.sleep(HEALTH_INTERVAL)
            now = time.time()
            for slot in self.slots:
                process, stats = slot.process, self._stats(slot)
                if process is None or process.returncode is not None or slot.stopping:
                    continue
                silent = _silence(stats, now)
                if silent > STUCK_WORKER:
                    log.error(
                        "worker %d (pid %d) wrote no statistics for %.0f s: its loop is stuck; "
                        "killing it",
                        slot.number,
                        process.pid,
                        silent,
                    )
                    process.kill()

    def status(self) -> dict[str, Any]:
        """The workers and their health, for ``graphflow daemon status``."""
        workers = []
        for slot in self.slots:
            pid = slot.process.pid if slot.process else None
            stats = self._stats(slot)
            workers.append(
                {
                    "number": slot.number,
                    "pid": pid,
                    "alive": slot.process is not None and slot.process.returncode is None,
                    "started": slot.started,
                    "restarts": slot.restarts,
                    **{k: stats.get(k) for k in WORKER_FIGURES},
                    "problem": health_problem(stats, time.time()) if pid is not None else None,
                }
            )
        return {"pid": os.getpid(), "started": self.started, "workers": workers}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await reader.readline()
            request = json.loads(line or b"{}")
            command = request.get("command")
            count = int(request.get("count", 1))
            if command == "status":
                reply: dict[str, Any] = {"ok": True, **await asyncio.to_thread(self.status)}
            elif command == "incr":
                await self.add(count)
                reply = {"ok": True, **await asyncio.to_thread(self.status)}
            elif command == "decr":
                await self.remove(count)
                reply = {"ok": True, **await asyncio.to_thread(self.status)}
            elif command == "stop":
                reply = {"ok": True}
                self._stopped.set()
            else:
                reply = {"ok": False, "error": f"unknown command {command!r}"}
        except (ValueError, json.JSONDecodeError) as exc:
            reply = {"ok": False, "error": f"bad request: {exc}"}
        writer.write(json.dumps(reply).encode() + b"\n")
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._stopped.set)
        with contextlib.suppress(FileNotFoundError):
            self.paths.socket.unlink()
        server = await asyncio.start_unix_server(self.handle, path=str(self.paths.socket))
        self._forget_dead_workers()
        await self.add(self.wanted)
        log.info("supervisor %d running %d workers", os.getpid(), self.wanted)
        health = asyncio.get_running_loop().create_task(self._restart_stuck_workers())
        try:
            await self._stopped.wait()
        finally:
            health.cancel()
            log.info("stopping %d workers", len(self.slots))
            await asyncio.gather(*(self._stop_slot(slot) for slot in self.slots))
            server.close()
            with contextlib.suppress(FileNotFoundError):
                self.paths.socket.unlink()
            with contextlib.suppress(FileNotFoundError):
                self.paths.pid_file.unlink()
            log.info("supervisor stopped")


def _silence(stats: dict[str, Any], now: float) -> float:
    """Seconds since a worker last wrote its statistics (0 before its first)."""
    return now - float(stats.get("time", now))


def health_problem(stats: dict[str, Any], now: float) -> str | None:
    """What is wrong with a worker, from the statistics it writes every few seconds."""
    if not stats:
        return None  # starting: it writes its first statistics once it consumes
    silent = _silence(stats, now)
    if silent > STALE_STATS:
        return f"no statistics for {silent:.0f} s (its loop is stuck)"
    if stats.get("writer") == "stopped":
        return "its store writer stopped"
    stall = float(stats.get("write_stall") or 0)
    if stall > STALLED_WRITES:
        return f"its oldest write has waited {stall:.0f} s (the store is not taking writes)"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m graphflow.daemon._supervisor")
    parser.add_argument("--profile", required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    profile = resolve_profile(args.profile)
    paths = DaemonPaths.of(profile)
    logging.basicConfig(
        filename=paths.supervisor_log,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    paths.pid_file.write_text(str(os.getpid()))
    asyncio.run(Supervisor(profile.name, paths, args.workers).run())


if __name__ == "__main__":
    main()
