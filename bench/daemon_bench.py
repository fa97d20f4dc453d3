"""W4 and W5 through a 2-worker daemon: graphflow and AiiDA 2.9 side by side, in one run.

    python bench/daemon_bench.py [--quick] [--no-aiida] [--slurm] [--n N] [--store arcadedb|neo4j]

W4: ``core.arithmetic.add`` calculation jobs (bash, local transport, direct scheduler)
    submitted to a 2-worker daemon; jobs/h from before the first submit to the last write
    of the last job to terminate (as the AiiDA harness clocks it).
W5: the W3 work chain (10 increment steps) submitted likewise; runs/h and steps/s.
Both report the submission time per process and the workers' resident memory at the end.
--slurm adds W4 over SSH to the suite's SLURM (``scripts/services/services.sh start sshd
    slurm``): jobs/h, the SSH connections sshd accepted and the job-status RPCs slurmctld
    answered, for the computer's safe interval and poll interval.

graphflow runs on a fresh embedded store (or with ``--store neo4j`` a fresh Neo4j server,
``bench/stores.py``) and its own RabbitMQ queues under a temporary ``GRAPHFLOW_HOME``;
AiiDA runs through ``bench/aiida/workloads.py`` on ``localhost`` (AiiDA's default:
commands through a login shell) and ``localhost-nologin`` (like graphflow's local
transport). Results go to ``bench/results/<UTC time>-daemon.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine_bench import aiida_side
from stores import STORES, default_profile

if TYPE_CHECKING:
    from collections.abc import Callable

BENCH = Path(__file__).resolve().parent
AIIDA = BENCH / "aiida"
GRAPHFLOW = str(Path(sys.executable).parent / "graphflow")
BROKER = os.environ.get("GRAPHFLOW_BENCH_BROKER", "amqp://guest:guest@127.0.0.1:5672/")
SERVICES = Path(os.environ.get("GRAPHFLOW_SERVICES_DIR", "/tmp/graphflow-services"))
TERMINATED = ["finished", "excepted", "killed"]
SLURM_SAFE_INTERVAL = 2.0
SLURM_POLL_INTERVAL = 2.0


def cli(*args: str) -> str:
    out = subprocess.run([GRAPHFLOW, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"graphflow {' '.join(args)} failed:\n{out.stdout}{out.stderr}")
    return out.stdout


def worker_pids(home: Path, count: int, timeout: float = 60) -> list[int]:
    # the daemon's folder is per host (graphflow.daemon._paths)
    folder = home / "profiles" / "default" / "daemon" / socket.gethostname() / "workers"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [int(p.stem) for p in folder.glob("*.json") if Path(f"/proc/{p.stem}").exists()]
        if len(pids) >= count:
            return pids
        time.sleep(0.2)
    raise RuntimeError(f"{count} daemon workers did not come up within {timeout} s")


def rss_mib(pids: list[int]) -> list[float]:
    import psutil

    return [round(psutil.Process(pid).memory_info().rss / 2**20, 1) for pid in pids]


def run_through_daemon(
    n: int, submit_one: Callable[[int], Any], pids: list[int], timeout: float
) -> tuple[dict[str, Any], list[Any]]:
    """Submit ``n`` processes; clock first submit -> last write of the last to terminate."""
    import graphflow as gf

    start_wall = datetime.datetime.now(datetime.UTC)
    start = time.monotonic()
    uuids = [submit_one(i).uuid for i in range(n)]
    submitted = time.monotonic()
    deadline = start + timeout
    while True:
        rows = gf.cypher(
            "MATCH (p:Process) WHERE p.uuid IN $uuids AND p.process_state IN $done "
            "RETURN count(p) AS n",
            uuids=uuids,
            done=TERMINATED,
        )
        if rows[0]["n"] == n:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {rows[0]['n']} of {n} processes terminated in {timeout} s")
        time.sleep(0.5)
    polled = time.monotonic() - start
    rss = rss_mib(pids)
    nodes = [
        row["p"] for row in gf.cypher("MATCH (p:Process) WHERE p.uuid IN $u RETURN p", u=uuids)
    ]
    failed = [node.pk for node in nodes if not node.is_finished_ok]
    if failed:
        raise RuntimeError(
            f"{len(failed)} of {n} processes did not finish ok, e.g. pk {failed[:5]}"
        )
    seconds = (max(node.mtime for node in nodes) - start_wall).total_seconds()
    return {
        "n": n,
        "seconds": round(seconds, 3),
        "seconds_polled": round(polled, 3),
        "submit_seconds": round(submitted - start, 3),
        "submit_ms_per_process": round(1000 * (submitted - start) / n, 2),
        "submissions_per_s": round(n / (submitted - start), 1),
        "daemon_workers": len(pids),
        "worker_rss_mib": rss,
    }, nodes


def slurm_counters(env: dict[str, str], bind_address: str) -> tuple[int, int]:
    """(connections sshd accepted from ``bind_address``, job-info RPCs slurmctld answered)."""
    log = Path(env["SSH_LOG"]).read_text(errors="replace")
    connections = log.count(f"Connection from {bind_address} port ")
    sdiag = subprocess.run(
        ["sdiag"],
        capture_output=True,
        text=True,
        check=True,
        env={"SLURM_CONF": env["SLURM_CONF"], "PATH": "/usr/bin:/bin"},
    ).stdout
    rpcs = sum(int(c) for c in re.findall(r"REQUEST_JOB_INFO\w*\s+\(\s*\d+\)\s+count:(\d+)", sdiag))
    return connections, rpcs


def graphflow_side(n4: int, n5: int, slurm: bool, home: Path) -> dict[str, Any]:
    from daemon_procs import CountWorkChain

    import graphflow as gf

    add = gf.CalculationFactory("core.arithmetic.add")
    local = gf.Computer(
        "bench-local",
        hostname="localhost",
        transport="local",
        scheduler="direct",
        workdir=str(home / "work"),
    ).store()
    bash = gf.Code(label="bash", computer=local, executable="/bin/bash").store()

    def check_sums(nodes: list[Any], n: int) -> None:
        sums = sorted(node.outputs["sum"].value for node in nodes)
        if sums != list(range(1, n + 1)):
            raise RuntimeError("W4 sums are wrong")

    results: dict[str, Any] = {}
    os.environ["PYTHONPATH"] = os.pathsep.join([str(BENCH), os.environ.get("PYTHONPATH", "")])
    cli("daemon", "start", "2")
    try:
        pids = worker_pids(home, 2)
        time.sleep(3)  # as the AiiDA harness: let the workers connect to RabbitMQ
        # warm-up (untimed): the store server's JIT, the workers' imports and first jobs
        run_through_daemon(
            10, lambda i: gf.submit(add, code=bash, x=gf.Int(i), y=gf.Int(1)), pids, 300
        )
        run_through_daemon(10, lambda i: gf.submit(CountWorkChain, n=gf.Int(10)), pids, 300)

        w4, nodes = run_through_daemon(
            n4, lambda i: gf.submit(add, code=bash, x=gf.Int(i), y=gf.Int(1)), pids, 1800
        )
        check_sums(nodes, n4)
        w4.update(rate=3600 * n4 / w4["seconds"], unit="jobs/h", transport="local")
        results["W4"] = w4

        w5, _ = run_through_daemon(
            n5, lambda i: gf.submit(CountWorkChain, n=gf.Int(10)), pids, 1200
        )
        w5.update(
            rate=3600 * n5 / w5["seconds"], unit="runs/h", steps_per_s=10 * n5 / w5["seconds"]
        )
        results["W5"] = w5

        if slurm:
            env = json.loads((SERVICES / "env.json").read_text())
            bind_address = "127.77.0.1"
            cluster = gf.Computer(
                "bench-slurm",
                hostname=env["SSH_HOST"],
                transport="ssh",
                scheduler="slurm",
                workdir="~/graphflow-bench",
                safe_interval=SLURM_SAFE_INTERVAL,
                poll_interval=SLURM_POLL_INTERVAL,
            ).store()
            cluster.configure(
                username=env["SSH_USER"],
                port=int(env["SSH_PORT"]),
                key_file=env["SSH_KEY_FILE"],
                known_hosts=env["SSH_KNOWN_HOSTS"],
                ssh_config=False,
                bind_address=bind_address,
            )
            remote_bash = gf.Code(label="bash", computer=cluster, executable="/bin/bash").store()
            connections, rpcs = slurm_counters(env, bind_address)
            slurm_run, nodes = run_through_daemon(
                n4, lambda i: gf.submit(add, code=remote_bash, x=gf.Int(i), y=gf.Int(1)), pids, 1800
            )
            check_sums(nodes, n4)
            connections_after, rpcs_after = slurm_counters(env, bind_address)
            slurm_run.update(
                rate=3600 * n4 / slurm_run["seconds"],
                unit="jobs/h",
                transport="ssh",
                scheduler="slurm",
                safe_interval_s=SLURM_SAFE_INTERVAL,
                poll_interval_s=SLURM_POLL_INTERVAL,
                ssh_connections=connections_after - connections,
                slurm_job_info_rpcs=rpcs_after - rpcs,
            )
            results["W4-slurm"] = slurm_run
    finally:
        cli("daemon", "stop")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 processes, for a smoke test")
    parser.add_argument("--n", type=int, help="processes per workload (default 300)")
    parser.add_argument("--no-aiida", action="store_true", help="graphflow only")
    parser.add_argument("--slurm", action="store_true", help="also W4 over SSH to SLURM")
    parser.add_argument("--store", choices=STORES, default="arcadedb", help="graphflow's store")
    args = parser.parse_args()
    n = args.n or (30 if args.quick else 300)

    home = Path(tempfile.mkdtemp(prefix="graphflow-bench-"))
    os.environ["GRAPHFLOW_HOME"] = str(home)
    os.environ.pop("GRAPHFLOW_PROFILE", None)
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
        "n": n,
    }
    try:
        with default_profile(args.store, broker=BROKER) as report["store"]:
            try:
                report["graphflow"] = graphflow_side(n, n, args.slurm, home)
            finally:
                if args.store == "arcadedb":
                    cli("store", "stop")
    finally:
        shutil.rmtree(home, ignore_errors=True)

    if not args.no_aiida:
        subprocess.run([str(AIIDA / "setup.sh")], check=True, capture_output=True)
        report["aiida"] = {
            "W4": aiida_side("W4", n, "--computer", "localhost"),
            "W4-nologin": aiida_side("W4", n, "--computer", "localhost-nologin"),
            "W5": aiida_side("W5", n),
        }

    ours, theirs = report["graphflow"], report.get("aiida", {})
    print("| workload | graphflow | AiiDA 2.9 | ratio |\n|---|---|---|---|")
    for label, key, peer in (
        ("W4 jobs/h (AiiDA login shell)", "W4", "W4"),
        ("W4 jobs/h (AiiDA no login shell)", "W4", "W4-nologin"),
        ("W5 runs/h", "W5", "W5"),
    ):
        mine, other = ours[key]["rate"], theirs.get(peer, {}).get("rate")
        print(
            f"| {label} | {mine:,.0f} | "
            + (f"{other:,.0f} | {mine / other:.1f}x |" if other else "- | - |")
        )
    for key in ("W4", "W5"):
        mine, other = (
            ours[key]["submit_ms_per_process"],
            theirs.get(key, {}).get("submit_ms_per_process"),
        )
        print(
            f"| {key} submit ms/process | {mine} | "
            + (f"{other} | {other / mine:.1f}x |" if other else "- | - |")
        )
    if "W4-slurm" in ours:
        s = ours["W4-slurm"]
        print(
            f"\nW4 over SSH to SLURM: {s['rate']:,.0f} jobs/h, {s['ssh_connections']} SSH "
            f"connection(s), {s['slurm_job_info_rpcs']} job-status RPCs for {n} jobs"
        )
    out_dir = BENCH / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = ("-neo4j" if args.store == "neo4j" else "") + ("-quick" if args.quick else "")
    path = out_dir / f"{stamp}-daemon{suffix}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
