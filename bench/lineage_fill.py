"""Grow a graphflow store to a given number of provenance nodes by running real processes.

    GRAPHFLOW_HOME=DIR python bench/lineage_fill.py --min-nodes 100000 [--workers 2]

The mix (see ``bench/lineage_procs.py``): per 100,000 nodes about 10,600 runs of the
paper's listing 8 (``add_multiply``, 8 nodes each, the W6 workload), 100 Fibonacci chains
of 40 additions (shared ancestors: exponentially many paths), 4 Fibonacci chains of 400
additions (deep), and 40 fan-ins of width 50. Work is split over ``--workers`` OS
processes sharing the profile's embedded store, as daemon workers would. Re-running tops
the store up: nothing is done when it already holds ``--min-nodes`` nodes. The last
process run is always an ``add_multiply`` call, so the W6 target (W2's last output) is
the newest ``add_multiply`` result.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
NODES_PER_ADD_MULTIPLY = 8
#: (kind, count, size) per 100,000 nodes besides add_multiply, and the nodes each makes
SHAPES = (("fibonacci", 100, 40), ("fibonacci", 4, 400), ("fan_in", 40, 50))


def nodes_of(kind: str, size: int) -> int:
    if kind == "fibonacci":
        return 4 + 2 * size  # work function, a, b, steps; an add and its result per step
    return 3 + 3 * size + 2  # work function, seed, width; Int(i), multiply, result; total, sum


def node_count() -> int:
    import graphflow as gf

    return int(gf.cypher("MATCH (n:Node) RETURN count(n) AS count")[0]["count"])


def plan(missing: int) -> list[tuple[str, int, int]]:
    """Jobs ``(kind, count, size)`` that add about ``missing`` nodes."""
    scale = missing / 100_000
    jobs = [(kind, max(1, round(count * scale)), size) for kind, count, size in SHAPES]
    shaped = sum(count * nodes_of(kind, size) for kind, count, size in jobs)
    calls = max(1, math.ceil((missing - shaped) / NODES_PER_ADD_MULTIPLY))
    return [*jobs, ("add_multiply", calls, 0)]


def split(jobs: list[tuple[str, int, int]], workers: int) -> list[list[tuple[str, int, int]]]:
    parts: list[list[tuple[str, int, int]]] = [[] for _ in range(workers)]
    for kind, count, size in jobs:
        for i in range(workers):
            share = count // workers + (1 if i < count % workers else 0)
            if share:
                parts[i].append((kind, share, size))
    return parts


def work(jobs: list[tuple[str, int, int]]) -> None:
    sys.path.insert(0, str(BENCH))
    from lineage_procs import add_multiply, fan_in, fibonacci_chain

    from graphflow import Int

    for kind, count, size in jobs:
        for i in range(count):
            if kind == "fibonacci":
                fibonacci_chain(Int(1), Int(i + 1), Int(size))
            elif kind == "fan_in":
                fan_in(Int(i + 2), Int(size))
            else:
                add_multiply(Int(i), Int(2), Int(3))


def fill(min_nodes: int, workers: int) -> dict[str, float | int]:
    """Top the current profile's store up to ``min_nodes``; returns what was done."""
    before = node_count()
    if before >= min_nodes:
        return {"nodes_before": before, "nodes_after": before, "fill_seconds": 0.0}
    jobs = plan(min_nodes - before)
    print(f"filling: {before} nodes, adding about {min_nodes - before}: {jobs}", file=sys.stderr)
    started = time.monotonic()
    procs = [
        subprocess.Popen([sys.executable, __file__, "--work", json.dumps(part)])
        for part in split(jobs, workers)
    ]
    failed = [p.args for p in procs if p.wait() != 0]
    if failed:
        raise SystemExit(f"a fill worker failed: {failed}")
    work([("add_multiply", 1, 0)])  # the W6 target is the newest add_multiply result
    return {
        "nodes_before": before,
        "nodes_after": node_count(),
        "fill_seconds": round(time.monotonic() - started, 1),
        "fill_jobs": json.dumps(jobs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-nodes", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if "GRAPHFLOW_HOME" not in os.environ:
        raise SystemExit("set GRAPHFLOW_HOME to the store to fill")
    if args.work:
        work([tuple(job) for job in json.loads(args.work)])
        return
    print(json.dumps(fill(args.min_nodes, args.workers)))


if __name__ == "__main__":
    main()
