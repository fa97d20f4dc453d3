"""Submissions per second from one client: ``submit`` in a loop against ``submit_many``.

    python bench/submit_bench.py [--n N] [--rounds R]

What issue 22 asks of a client submitting a sweep: the W5 work chain (``CountWorkChain``,
n=10) submitted N times, no daemon running (the tasks wait in the queue, so only the
client is measured), on a fresh embedded store under a temporary ``GRAPHFLOW_HOME`` and
the broker ``GRAPHFLOW_BENCH_BROKER`` (default: the local RabbitMQ). The two ways
alternate for R rounds after a warm-up that lasts until the rate is steady: rounds of
``submit_many`` until one is within 10 % of the one before (at most 10 rounds).
Results go to ``bench/results/<UTC time>-submit.json`` and a line per way on stdout.
The profile, its store and its broker queues are deleted at the end.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
GRAPHFLOW = str(Path(sys.executable).parent / "graphflow")
BROKER = os.environ.get("GRAPHFLOW_BENCH_BROKER", "amqp://guest:guest@127.0.0.1:5672/")


def cli(*args: str) -> None:
    subprocess.run([GRAPHFLOW, *args], check=True, capture_output=True, text=True)


def rate(n: int, submit_all: Any) -> float:
    start = time.perf_counter()
    nodes = submit_all(n)
    seconds = time.perf_counter() - start
    if len(nodes) != n or not all(node.is_stored for node in nodes):
        raise RuntimeError("not every process was stored")
    return n / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="processes a round (2000)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of each way (3)")
    args = parser.parse_args()

    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    home = Path(tempfile.mkdtemp(prefix="graphflow-bench-"))
    os.environ["GRAPHFLOW_HOME"] = str(home)
    os.environ.pop("GRAPHFLOW_PROFILE", None)
    cli("profile", "set-broker", "default", BROKER)
    sys.path.insert(0, str(BENCH))
    from daemon_procs import CountWorkChain

    import graphflow as gf

    def one_by_one(n: int) -> list[Any]:
        return [gf.submit(CountWorkChain, n=gf.Int(10)) for _ in range(n)]

    def many(n: int) -> list[Any]:
        return gf.submit_many(CountWorkChain, ({"n": gf.Int(10)} for _ in range(n)))

    try:
        warm_up = [rate(args.n, many)]
        while len(warm_up) < 10 and (
            len(warm_up) < 2 or abs(warm_up[-1] - warm_up[-2]) > 0.1 * warm_up[-2]
        ):
            warm_up.append(rate(args.n, many))
        rates: dict[str, list[float]] = {"submit": [], "submit_many": []}
        for _ in range(args.rounds):
            rates["submit"].append(rate(args.n // 4, one_by_one))  # it is the slow one
            rates["submit_many"].append(rate(args.n, many))
    finally:
        cli("profile", "delete", "default", "--yes")
    report = {
        "started": started,
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=BENCH
        ).stdout.strip(),
        "cpus": os.cpu_count(),
        "n": args.n,
        "warm_up_per_s": [round(r, 1) for r in warm_up],
        "per_s": {way: [round(r, 1) for r in values] for way, values in rates.items()},
        "median_per_s": {way: round(statistics.median(v), 1) for way, v in rates.items()},
    }
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = BENCH / "results" / f"{stamp}-submit.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    for way, median in report["median_per_s"].items():
        print(f"{way}: median {median} processes/s ({report['per_s'][way]})")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
