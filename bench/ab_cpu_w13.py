"""W1 and W3 as bench/ab_w13.py times them, with the CPU they cost: an A/B of two trees.

    PYTHONPATH=TREE GRAPHFLOW_HOME=HOME python bench/ab_cpu_w13.py WARMUP_SECONDS

Prints one JSON line: per W1 call (500) and per W3 run (100 of 10 steps), the wall time,
the CPU of this client and the CPU of the embedded store server. CPU moves less than
wall time with the machine's noise, so alternated runs of two trees, each on a fresh
store, tell a slowdown from a bad minute (bench/README.md, issue 20 of 2026-12-07).
"""

import json
import os
import resource
import sys
import time

import psutil
from daemon_procs import CountWorkChain

import graphflow as gf
from graphflow import Int, calcfunction


@calcfunction
def add(a, b):
    return a + b


def cpu(server: psutil.Process) -> tuple[float, float]:
    """Seconds of CPU so far: this client's, the store server's."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    times = server.cpu_times()
    return usage.ru_utime + usage.ru_stime, times.user + times.system


def main() -> None:
    until = time.perf_counter() + float(sys.argv[1])
    while time.perf_counter() < until:
        add(Int(1), Int(2))
        gf.run(CountWorkChain, n=Int(3))
    home = os.environ["GRAPHFLOW_HOME"]
    server = next(
        proc
        for proc in psutil.process_iter(["cmdline"])
        if "java" in " ".join(proc.info["cmdline"] or [])
        and home in " ".join(proc.info["cmdline"] or [])
    )
    out: dict[str, object] = {"tree": gf.__file__}
    client0, server0 = cpu(server)
    start = time.perf_counter()
    for i in range(500):
        add(Int(i), Int(i + 1))
    client1, server1 = cpu(server)
    out["W1_ms"] = {
        "wall": round((time.perf_counter() - start) * 2, 2),
        "client_cpu": round((client1 - client0) * 2, 2),
        "server_cpu": round((server1 - server0) * 2, 2),
    }
    start = time.perf_counter()
    for _ in range(100):
        gf.run(CountWorkChain, n=Int(10))
    client2, server2 = cpu(server)
    out["W3_ms"] = {
        "wall": round((time.perf_counter() - start) * 10, 1),
        "client_cpu": round((client2 - client1) * 10, 1),
        "server_cpu": round((server2 - server1) * 10, 1),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
