"""W1-W3 and waiting-process memory: graphflow and AiiDA 2.9 side by side, in one run.

    python bench/engine_bench.py [--quick] [--no-aiida] [--warmup SECONDS] [--home DIR]
                                 [--store arcadedb|neo4j]

Both engines are warm: graphflow's store server runs the same workloads first for at
least a minute (``--warmup``; its JIT needs about that long to compile the hot paths, and
a store in use is a long-running server) and then until two 10 s windows' rates differ
by less than 5 % (at most 5 minutes; the report keeps the windows' rates); AiiDA's harness
makes one untimed call.

W1: ``@calcfunction add(a, b)``, 500 calls with new Int inputs, in-process.
W2: the paper's listing 8 (``add_multiply`` calling ``add`` and ``multiply``), 200 calls.
W3: a WorkChain ``setup, while_(not_done)(increment), finalize`` with n=10, 100 runs with
    ``run`` (steps/s counts the 10 increment steps of a run, as the AiiDA harness does).
Memory: 1,000 work chains waiting for their (paused) children in one runner; the growth
    of the interpreter's resident memory per waiting work chain.

graphflow runs on a fresh embedded store under ``--home`` (a temporary folder by default),
or with ``--store neo4j`` on a fresh Neo4j server (``bench/stores.py``);
AiiDA runs through ``bench/aiida/workloads.py`` (``bench/aiida/setup.sh`` is run first).
Results go to ``bench/results/<UTC time>-engine.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from stores import STORES, default_profile

BENCH = Path(__file__).resolve().parent
AIIDA = BENCH / "aiida"


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


#: the warm-up's measuring window (seconds), what counts as steady, and its longest
WARM_WINDOW = 10.0
WARM_STEADY = 0.05
WARM_MOST = 300.0


def graphflow_side(n1: int, n2: int, n3: int, waiting: int, warmup: float) -> dict[str, Any]:
    from daemon_procs import CountWorkChain, Held

    import graphflow as gf
    from graphflow import _loop
    from graphflow.engine import get_runner
    from graphflow.orm import aload_nodes

    @gf.calcfunction
    def add(a, b):
        return a + b

    @gf.calcfunction
    def multiply(a, b):
        return a * b

    @gf.workfunction
    def add_multiply(x, y, z):
        return multiply(add(x, y), z)

    class Waiter(gf.WorkChain):
        @classmethod
        def define(cls, spec):
            super().define(spec)
            spec.input("child", valid_type=gf.Str)
            spec.outline(cls.wait, cls.done)

        def wait(self):
            self.to_context(child=gf.load_node(self.inputs.child.value))

        def done(self):
            pass

    results: dict[str, Any] = {}
    # warm-up: the store server's JIT compiles its hot paths in the first minute; a store
    # in use is a long-running server, so both engines are measured warm. It lasts at
    # least ``warmup`` seconds and then until the rate is steady: two windows of
    # WARM_WINDOW seconds whose rates differ by less than WARM_STEADY (at most WARM_MOST)
    started = time.perf_counter()
    windows: list[float] = []
    while True:
        window_end, calls = time.perf_counter() + WARM_WINDOW, 0
        while time.perf_counter() < window_end:
            add_multiply(gf.Int(1), gf.Int(2), gf.Int(3))
            gf.run(CountWorkChain, n=gf.Int(3))
            calls += 1
        windows.append(calls / WARM_WINDOW)
        elapsed = time.perf_counter() - started
        steady = len(windows) >= 2 and abs(windows[-1] - windows[-2]) < WARM_STEADY * windows[-2]
        if elapsed >= WARM_MOST or (elapsed >= warmup and steady):
            break
    results["warm_up"] = {"seconds": round(elapsed, 1), "rates": [round(w, 1) for w in windows]}
    start = time.perf_counter()
    for i in range(n1):
        add(gf.Int(i), gf.Int(i + 1))
    seconds = time.perf_counter() - start
    results["W1"] = {"n": n1, "seconds": seconds, "rate": n1 / seconds, "unit": "calls/s"}

    add_multiply(gf.Int(1), gf.Int(2), gf.Int(3))
    start = time.perf_counter()
    for i in range(n2):
        add_multiply(gf.Int(i), gf.Int(2), gf.Int(3))
    seconds = time.perf_counter() - start
    results["W2"] = {
        "n": n2,
        "seconds": seconds,
        "rate": n2 / seconds,
        "unit": "calls/s",
        "processes_per_s": 3 * n2 / seconds,
    }

    gf.run(CountWorkChain, n=gf.Int(10))
    start = time.perf_counter()
    for _ in range(n3):
        gf.run(CountWorkChain, n=gf.Int(10))
    seconds = time.perf_counter() - start
    results["W3"] = {
        "n": n3,
        "seconds": seconds,
        "rate": n3 / seconds,
        "unit": "runs/s",
        "steps_per_s": 10 * n3 / seconds,
    }

    async def hold_many() -> dict[str, float]:
        runner = await get_runner()
        children = []
        for _ in range(waiting):
            child = Held()
            handle = runner.start(child)
            handle.play.clear()  # paused before its first step: it holds no thread
            children.append(handle)
        # a parent loads its child in its first step: every child must be stored by then
        uuids = [h.node.uuid for h in children]
        backend = runner.backend
        while len(await aload_nodes(backend, uuids)) < len(uuids):  # noqa: ASYNC110 - polls the store
            await asyncio.sleep(0.05)
        import gc

        gc.collect()
        before = rss_mib()
        parents = [runner.start(Waiter({"child": gf.Str(h.node.uuid)})) for h in children]
        while not all(p.process.state.value == "waiting" for p in parents):
            ended = [p for p in parents if p.terminated.done()]
            if ended:  # it will never wait: say why instead of waiting forever
                node = ended[0].node
                raise RuntimeError(f"{len(ended)} parents ended early: {node.exit_message}")
            runner.capacity.clear()  # set whenever a process starts waiting
            await runner.capacity.wait()
        gc.collect()
        after = rss_mib()
        for handle in children:
            await runner.play(handle.node.uuid)
        await asyncio.gather(*(p.terminated for p in parents))
        assert all(p.node.is_finished_ok for p in parents)
        return {"rss_before_mib": before, "rss_waiting_mib": after}

    memory = _loop.call(hold_many())
    memory["waiting"] = waiting
    memory["mib_per_waiting_process"] = (
        memory["rss_waiting_mib"] - memory["rss_before_mib"]
    ) / waiting
    results["memory"] = memory
    return results


def aiida_side(workload: str, n: int, *options: str) -> dict[str, Any]:
    """One workload of ``bench/aiida/workloads.py``: its JSON line."""
    python = AIIDA / ".venv" / "bin" / "python"
    env = {**os.environ, "AIIDA_PATH": str(AIIDA)}
    out = subprocess.run(
        [str(python), str(AIIDA / "workloads.py"), workload, "--n", str(n), *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"AiiDA {workload} failed:\n{out.stdout}\n{out.stderr}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--no-aiida", action="store_true", help="graphflow only")
    parser.add_argument(
        "--warmup",
        type=float,
        default=60.0,
        help="least seconds of untimed work first (then until steady): the store server's "
        "JIT needs about a minute",
    )
    parser.add_argument("--home", type=Path, help="GRAPHFLOW_HOME to use (default: a new temp dir)")
    parser.add_argument("--store", choices=STORES, default="arcadedb", help="graphflow's store")
    args = parser.parse_args()
    n1, n2, n3, waiting = (50, 20, 10, 100) if args.quick else (500, 200, 100, 1000)

    home = args.home or Path(tempfile.mkdtemp(prefix="graphflow-bench-"))
    os.environ["GRAPHFLOW_HOME"] = str(home)
    report: dict[str, Any] = {
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=BENCH,
            check=False,
        ).stdout.strip(),
        "quick": args.quick,
    }
    report["warmup_seconds"] = args.warmup
    from graphflow import _loop
    from graphflow.orm import close_backends, embedded_server, load_profile

    with default_profile(args.store) as report["store"]:
        report["graphflow"] = graphflow_side(n1, n2, n3, waiting, args.warmup)
        _loop.call(close_backends())
        if args.store == "arcadedb":
            _loop.call(embedded_server(load_profile()).stop())
    if args.home is None:
        shutil.rmtree(home, ignore_errors=True)

    if not args.no_aiida:
        subprocess.run([str(AIIDA / "setup.sh")], check=True, capture_output=True)
        report["aiida"] = {w: aiida_side(w, n) for w, n in (("W1", n1), ("W2", n2), ("W3", n3))}

    rows = []
    for workload, key in (("W1", "rate"), ("W2", "rate"), ("W3", "steps_per_s")):
        ours = report["graphflow"][workload][key]
        theirs = report.get("aiida", {}).get(workload, {}).get(key)
        ratio = f"{ours / theirs:.1f}x" if theirs else "-"
        unit = "steps/s" if key == "steps_per_s" else report["graphflow"][workload]["unit"]
        rows.append(
            f"| {workload} | {ours:,.1f} {unit} | "
            + (f"{theirs:,.1f} {unit}" if theirs else "-")
            + f" | {ratio} |"
        )
    memory = report["graphflow"]["memory"]
    print("| workload | graphflow | AiiDA 2.9 | ratio |\n|---|---|---|---|")
    print("\n".join(rows))
    print(
        f"\nmemory per waiting work chain: {memory['mib_per_waiting_process'] * 1024:.1f} KiB "
        f"({memory['waiting']} waiting)"
    )
    out_dir = BENCH / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = ("-neo4j" if args.store == "neo4j" else "") + ("-quick" if args.quick else "")
    path = out_dir / f"{stamp}-engine{suffix}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
