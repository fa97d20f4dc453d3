"""A crowd of waiting work chains in one 2-worker daemon, all woken together.

    python bench/fanin_bench.py [--n 100000]

Issue 22's third target. N ``Waiter`` work chains (``daemon_procs.py``) are submitted with
``submit_many`` before the daemon starts; each submits one ``Held`` child and waits for
it. The workers take the parents first (they are first in the queue), so the children
queue behind them, end in a burst, and the parents wake together. Reported: the
submission time, the time until every parent ended, how many ended in each state and
exit status (all must be ``finished`` with 0), and the peak resident memory of the two
workers and the store server together, sampled every second.

Runs on a fresh embedded store under a temporary ``GRAPHFLOW_HOME`` and the broker
``GRAPHFLOW_BENCH_BROKER`` (default: the local RabbitMQ); the profile, its store and its
queues are deleted at the end. Results go to ``bench/results/<UTC time>-fanin.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

BENCH = Path(__file__).resolve().parent
GRAPHFLOW = str(Path(sys.executable).parent / "graphflow")
TERMINATED = ("finished", "excepted", "killed")
BROKER = os.environ.get("GRAPHFLOW_BENCH_BROKER", "amqp://guest:guest@127.0.0.1:5672/")


def cli(*args: str) -> str:
    out = subprocess.run([GRAPHFLOW, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"graphflow {' '.join(args)} failed:\n{out.stdout}{out.stderr}")
    return out.stdout


def engine_processes(home: Path) -> list[psutil.Process]:
    """The daemon's workers and the embedded store server of ``home``."""
    found = []
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            cmdline = " ".join(proc.info["cmdline"] or [])
            environ = proc.info["environ"] or {}
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        worker = "graphflow.daemon._worker" in cmdline
        store = "java" in cmdline and str(home) in cmdline
        if (worker and environ.get("GRAPHFLOW_HOME") == str(home)) or store:
            found.append(proc)
    return found


class PeakMemory(threading.Thread):
    """Samples the RSS of the engine's processes every second; keeps the peak of their sum,
    and the peaks of the workers' sum and of the store server alone."""

    def __init__(self, home: Path) -> None:
        super().__init__(daemon=True)
        self.home = home
        self.peak_mib = 0.0
        self.peak_workers_mib = 0.0
        self.peak_store_mib = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(1.0):
            workers = store = 0
            for proc in engine_processes(self.home):
                try:
                    rss = proc.memory_info().rss
                    is_store = "java" in " ".join(proc.cmdline())
                except psutil.NoSuchProcess:
                    continue
                if is_store:
                    store += rss
                else:
                    workers += rss
            self.peak_mib = max(self.peak_mib, (workers + store) / 2**20)
            self.peak_workers_mib = max(self.peak_workers_mib, workers / 2**20)
            self.peak_store_mib = max(self.peak_store_mib, store / 2**20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="waiting parents (100000)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds for all to end")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="graphflow-bench-"))
    os.environ["GRAPHFLOW_HOME"] = str(home)
    os.environ.pop("GRAPHFLOW_PROFILE", None)
    os.environ["PYTHONPATH"] = os.pathsep.join([str(BENCH), os.environ.get("PYTHONPATH", "")])
    cli("profile", "set-broker", "default", BROKER)
    sys.path.insert(0, str(BENCH))
    from daemon_procs import Waiter

    import graphflow as gf

    memory = PeakMemory(home)
    report: dict[str, Any] = {
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BENCH
        ).stdout.strip(),
        "cpus": os.cpu_count(),
        "n": args.n,
    }
    try:
        memory.start()
        start = time.monotonic()
        parents = gf.submit_many(Waiter, ({"i": gf.Int(i)} for i in range(args.n)))
        report["submit_seconds"] = round(time.monotonic() - start, 1)
        report["submissions_per_s"] = round(args.n / report["submit_seconds"], 1)
        woken = time.monotonic()
        cli("daemon", "start", "2")
        deadline = woken + args.timeout
        query = (
            "MATCH (p:WorkChain {process_label: 'Waiter'}) "
            "RETURN coalesce(p.process_state, 'created') AS state, "
            "p.exit_status AS status, count(p) AS n"
        )
        while True:
            counts = {(r["state"], r["status"]): r["n"] for r in gf.cypher(query)}
            ended = sum(
                n for (s, _), n in counts.items() if s in ("finished", "excepted", "killed")
            )
            if ended == args.n or time.monotonic() > deadline:
                break
            time.sleep(5)
        report["seconds_to_all_ended"] = round(time.monotonic() - woken, 1)
        report["ended"] = {f"{s} {status}": n for (s, status), n in sorted(counts.items())}
        report["all_finished_ok"] = counts.get(("finished", 0), 0) == args.n
        memory.stop.set()
        report["peak_rss_mib_workers_and_store"] = round(memory.peak_mib, 1)
        report["peak_rss_mib_workers"] = round(memory.peak_workers_mib, 1)
        report["peak_rss_mib_store"] = round(memory.peak_store_mib, 1)
        del parents
    finally:
        memory.stop.set()
        cli("daemon", "stop")
        cli("profile", "delete", "default", "--yes")
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = BENCH / "results" / f"{stamp}-fanin.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
