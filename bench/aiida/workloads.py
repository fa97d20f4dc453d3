"""AiiDA 2.9 half of graphflow's side-by-side benchmarks: workloads W1-W7.

Run with the virtualenv that setup.sh makes (``AIIDA_PATH`` defaults to this
folder, where setup.sh puts the ``bench`` profile)::

    .venv/bin/python workloads.py W1 [--n 500] [--timeout 600]
    .venv/bin/python workloads.py W4 [--n 300] [--computer localhost-nologin]
    .venv/bin/python workloads.py fill --min-nodes 20000

Each workload prints exactly one JSON object on stdout (everything else goes to
stderr) and exits 0. On failure or timeout it prints one object with an
``error`` field instead and exits 1, so a driver can always parse one line.
``rate`` is always "higher is better" in ``unit``; ``seconds`` is the timed
interval it was computed from. Every workload ends by itself: in-process ones
are cut by SIGALRM at ``--timeout``, daemon ones stop polling before it and
always stop the daemon they started.

Workloads (sizes are the defaults; definitions from
shared/notes/aiida-anchor.md):

    W1  calcfunction add(Int, Int) x500, in-process           calls/s
    W2  workfunction add_multiply (add, multiply) x200        calls/s (+ processes/s)
    W3  CountWorkChain n=10 x100 with run()                   runs/s  (+ steps/s)
    W4  300 ArithmeticAddCalculation, 2-worker daemon         jobs/h  (+ submit time, RSS)
    W5  300 CountWorkChain n=10, 2-worker daemon              runs/h  (+ steps/s, RSS)
    W6  ancestors query on a >=20k-node DB (median of 50),    queries/s (+ ms,
        verdi node graph generate (median of 5), verdi --version   graph s, verdi s)
    W7  caching: W1's calcfunction and W4's job, x100 each,   ms per cached call,
        served from the cache of one identical calculation       ms per cached job
    W8  archives: verdi archive create --all of the profile,  nodes/s (+ peak RSS)
        verdi archive import of it into a fresh profile

``grow --min-nodes N`` grows the database for W8 by copying its own provenance (see
``grow``); ``fill`` grows it with real W2 calls (about 13 nodes/s).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/measure.py, shared with graphflow's side
PROFILE = "bench"
IMPORT_PROFILE = "bench_import"  # W8 imports into this profile, made afresh each run
IMPORT_DATABASE = "aiida_bench_import"
os.environ.setdefault("AIIDA_PATH", str(HERE))
VERDI = str(Path(sys.executable).parent / "verdi")
# The daemon finds `verdi` (for its circus and worker commands) on PATH only.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])

# AiiDA and its plugins may print; the one JSON line must be alone on stdout.
_JSON_OUT = sys.stdout
sys.stdout = sys.stderr

TERMINAL_STATES = ["finished", "excepted", "killed"]
ACTIVE_STATES = ["created", "waiting", "running"]
POLL_SECONDS = 1.0
WORKER_CONNECT_SECONDS = 3.0
NODES_PER_W2_CALL = 8

DEFAULTS: dict[str, tuple[int, int]] = {  # workload: (n, timeout seconds)
    "W1": (500, 600),
    "W2": (200, 600),
    "W3": (100, 600),
    "W4": (300, 1800),
    "W5": (300, 1200),
    "W6": (50, 3600),  # includes growing the DB to --min-nodes the first time
    "W7": (100, 1200),
    "W8": (1, 3600),
    "fill": (0, 3600),
    "grow": (0, 3600),
}

JSON = dict[str, Any]  # a JSON object for the output line


class WorkloadError(RuntimeError):
    """A workload could not produce a valid measurement."""


class WorkloadTimeoutError(WorkloadError):
    """A workload ran past its ``--timeout``."""


def _on_alarm(signum: int, frame: object) -> None:
    raise WorkloadTimeoutError("workload exceeded its --timeout (SIGALRM)")


# --- environment and metadata ------------------------------------------------


def _load() -> None:
    from aiida import load_profile

    try:
        load_profile(PROFILE)
    except Exception as exc:
        raise WorkloadError(
            f"cannot load AiiDA profile {PROFILE!r} under AIIDA_PATH={os.environ['AIIDA_PATH']}: "
            f"{exc}; run bench/aiida/setup.sh first"
        ) from exc


def _node_count() -> int:
    from aiida import orm

    return int(orm.QueryBuilder().append(orm.Node).count())


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--verify", "-q", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _service_versions() -> JSON:
    """PostgreSQL and RabbitMQ versions as the profile sees them; None if unknown."""
    from aiida.manage import get_manager
    from sqlalchemy import text

    versions: JSON = {
        "postgresql_version": None,
        "postgresql_autovacuum": None,
        "rabbitmq_version": None,
    }
    manager = get_manager()
    with contextlib.suppress(Exception):
        session = manager.get_profile_storage().get_session()  # type: ignore[attr-defined]
        versions["postgresql_version"] = session.execute(text("SHOW server_version")).scalar()
        versions["postgresql_autovacuum"] = session.execute(text("SHOW autovacuum")).scalar()
    with contextlib.suppress(Exception):
        versions["rabbitmq_version"] = str(manager.get_broker().get_rabbitmq_version())  # type: ignore[union-attr]
    return versions


def _analyze() -> float:
    """Refresh the planner statistics of the profile's tables; return the seconds it took.

    The PostgreSQL on this machine runs with autovacuum off, so a database
    grown by the benchmarks never gets statistics by itself, and the planner
    then walks the recursive ancestors query with a scan of every link of a
    type (19 ms instead of 6 ms at 20k nodes). A production AiiDA database is
    analysed by autovacuum; measure that state.
    """
    from aiida.manage import get_manager
    from sqlalchemy import text

    start = time.perf_counter()
    session = get_manager().get_profile_storage().get_session()  # type: ignore[attr-defined]
    tables = (
        session.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        .scalars()
        .all()
    )
    session.execute(text("ANALYZE " + ", ".join(f'"{table}"' for table in tables)))
    session.commit()
    return time.perf_counter() - start


def _base(workload: str, n: int) -> JSON:
    import aiida

    return {
        "engine": "aiida",
        "aiida_version": aiida.__version__,
        "workload": workload,
        "n": n,
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "git_commit": _git_commit(),
        "profile": PROFILE,
    }


# --- daemon handling -----------------------------------------------------------


def _verdi(
    *args: str, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [VERDI, "-p", PROFILE, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise WorkloadError(
            f"`verdi {' '.join(args)}` did not finish within {timeout:.0f} s"
        ) from exc


def _worker_pids() -> list[int]:
    from aiida.engine.daemon.client import get_daemon_client

    info = get_daemon_client().get_worker_info(timeout=10)
    return sorted(int(pid) for pid in info.get("info", {}))


def _stop_daemon() -> None:
    """Stop this profile's daemon; kill its processes if ``verdi daemon stop`` hangs."""
    from aiida.engine.daemon.client import get_daemon_client

    client = get_daemon_client()
    if not client.is_daemon_running:
        return
    pids: list[int] = []
    with contextlib.suppress(Exception):
        pids = _worker_pids()
    circus_pid = client.get_daemon_pid()
    try:
        result = _verdi("daemon", "stop", timeout=90)
        if result.returncode == 0:
            return
        print(f"verdi daemon stop failed: {result.stderr.strip()}", file=sys.stderr)
    except WorkloadError as exc:
        print(exc, file=sys.stderr)
    for pid in [*pids, *([circus_pid] if circus_pid else [])]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def _daemon(workers: int) -> Iterator[list[int]]:
    """Run this profile's daemon with ``workers`` workers for the duration of the block.

    The workers import ``aiida_bench_procs`` only if this folder is on their
    PYTHONPATH when the daemon starts. The block is entered ~3 s after the
    workers exist, the time they need to connect to RabbitMQ, so that no clock
    started inside it pays for their start-up. The daemon is stopped on every
    exit path, including timeouts.
    """
    from aiida.engine.daemon.client import get_daemon_client

    _stop_daemon()  # a daemon left by an interrupted run would skew the measurement
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(HERE), env.get("PYTHONPATH", "")] if p)
    try:
        result = _verdi("daemon", "start", str(workers), timeout=120, env=env)
        if result.returncode != 0:
            raise WorkloadError(
                f"verdi daemon start failed: {(result.stdout + result.stderr).strip()[-800:]}"
            )
        client = get_daemon_client()
        deadline = time.monotonic() + 60
        pids: list[int] = []
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                pids = _worker_pids()
            if len(pids) >= workers:
                break
            time.sleep(0.5)
        else:
            raise WorkloadError(f"daemon did not report {workers} workers within 60 s (has {pids})")
        time.sleep(WORKER_CONNECT_SECONDS)
        if not client.is_daemon_running:
            raise WorkloadError(
                "daemon died while its workers were connecting; see .aiida/daemon/log"
            )
        yield pids
    finally:
        signal.alarm(0)  # cleanup must not be cut short by the workload's own alarm
        _stop_daemon()


def _rss_mib(pids: list[int]) -> list[float]:
    import psutil

    out = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            out.append(round(psutil.Process(pid).memory_info().rss / 2**20, 1))
    return out


def _reap_leftovers() -> tuple[int, int]:
    """Clear what an interrupted run left behind, so no daemon works on it inside a measurement.

    Processes still marked active are marked killed and sealed, and every task
    in the profile's launch queue is acknowledged (dropped), as
    ``verdi process repair`` does for tasks of terminated processes. Call only
    while the profile's daemon is stopped, or its workers would hold the tasks.

    Returns:
        The number of processes marked killed and of tasks dropped.
    """
    from aiida import orm
    from aiida.manage import get_manager
    from plumpy import ProcessState

    qb = orm.QueryBuilder().append(
        orm.ProcessNode, filters={"attributes.process_state": {"in": ACTIVE_STATES}}, project="*"
    )
    nodes = [row[0] for row in qb.all()]
    for node in nodes:
        node.set_process_state(ProcessState.KILLED)
        node.set_process_status(
            "reaped by bench/aiida/workloads.py: left active by an interrupted run"
        )
        node.seal()
    dropped = 0
    broker = get_manager().get_broker()
    if broker is not None:
        for task in broker.iterate_tasks():
            with task.processing() as outcome:
                outcome.set_result(False)
            dropped += 1
    return len(nodes), dropped


def _wait_terminated(pks: list[int], deadline: float) -> float:
    """Poll the database until every process in ``pks`` is terminal.

    Returns:
        The ``time.monotonic()`` reading at which all were seen terminal.
    """
    from aiida import orm

    while True:
        done = (
            orm.QueryBuilder()
            .append(
                orm.ProcessNode,
                filters={"id": {"in": pks}, "attributes.process_state": {"in": TERMINAL_STATES}},
            )
            .count()
        )
        now = time.monotonic()
        if done >= len(pks):
            return now
        if now > deadline:
            raise WorkloadTimeoutError(
                f"only {done} of {len(pks)} processes terminated before the deadline"
            )
        time.sleep(POLL_SECONDS)


def _check_outcome(pks: list[int]) -> tuple[dt.datetime, list[int]]:
    """Return the latest ``mtime`` over ``pks`` and the pks that did not finish with exit 0."""
    from aiida import orm

    rows = (
        orm.QueryBuilder()
        .append(
            orm.ProcessNode,
            filters={"id": {"in": pks}},
            project=["id", "mtime", "attributes.process_state", "attributes.exit_status"],
        )
        .all()
    )
    failed = [pk for pk, _, state, status in rows if state != "finished" or status != 0]
    return max(row[1] for row in rows), failed


def _daemon_workload(
    workload: str, n: int, timeout: int, submit_one: Callable[[int], int], extra: JSON
) -> JSON:
    """Submit ``n`` processes to a 2-worker daemon; clock first submit -> last terminated.

    ``seconds`` ends at the largest ``mtime`` of the submitted nodes (the last
    write of the last process to terminate), so it does not include the
    polling interval; ``seconds_polled`` is the same interval as seen by the
    poller, for a sanity check.
    """
    from aiida.common import timezone

    _stop_daemon()  # a daemon left by an interrupted run would skew the measurement
    reaped, dropped = _reap_leftovers()
    deadline = time.monotonic() + timeout - 60  # leave time to stop the daemon
    with _daemon(workers=2) as worker_pids:
        start_wall = timezone.now()
        start = time.monotonic()
        pks = [submit_one(i) for i in range(n)]
        submitted = time.monotonic()
        seen_done = _wait_terminated(pks, deadline)
        rss = _rss_mib(worker_pids)
    last_mtime, failed = _check_outcome(pks)
    if failed:
        raise WorkloadError(
            f"{len(failed)} of {n} processes did not finish with exit status 0, "
            f"e.g. pk {failed[:5]}"
        )
    seconds = (last_mtime - start_wall).total_seconds()
    return {
        "seconds": round(seconds, 3),
        "seconds_polled": round(seen_done - start, 3),
        "submit_seconds": round(submitted - start, 3),
        "submit_ms_per_process": round(1000 * (submitted - start) / n, 1),
        "daemon_workers": 2,
        "worker_rss_mib": rss,
        "poll_interval_s": POLL_SECONDS,
        "reaped_leftovers": reaped,
        "dropped_tasks": dropped,
        **extra,
    }


# --- workloads -----------------------------------------------------------------


def _timed_loop(n: int, call: Callable[[int], object]) -> float:
    call(-1)  # one untimed warm-up call: imports, first DB round-trips
    start = time.perf_counter()
    for i in range(n):
        call(i)
    return time.perf_counter() - start


def w1(n: int, args: argparse.Namespace) -> JSON:
    from aiida import orm
    from aiida_bench_procs import add

    seconds = _timed_loop(n, lambda i: add(orm.Int(i), orm.Int(1)))
    return {
        "seconds": round(seconds, 3),
        "rate": n / seconds,
        "unit": "calls/s",
        "ms_per_call": round(1000 * seconds / n, 2),
        "warmup_calls": 1,
    }


def w2(n: int, args: argparse.Namespace) -> JSON:
    from aiida import orm
    from aiida_bench_procs import add_multiply

    seconds = _timed_loop(n, lambda i: add_multiply(orm.Int(i), orm.Int(2), orm.Int(3)))
    return {
        "seconds": round(seconds, 3),
        "rate": n / seconds,
        "unit": "calls/s",
        "processes_per_s": 3 * n / seconds,
        "ms_per_call": round(1000 * seconds / n, 2),
        "warmup_calls": 1,
    }


def w3(n: int, args: argparse.Namespace) -> JSON:
    from aiida import orm
    from aiida.engine import run
    from aiida_bench_procs import CountWorkChain

    steps = args.steps
    seconds = _timed_loop(n, lambda i: run(CountWorkChain, n=orm.Int(steps)))
    return {
        "seconds": round(seconds, 3),
        "rate": n / seconds,
        "unit": "runs/s",
        "steps_per_run": steps,
        "steps_per_s": n * steps / seconds,
        "warmup_calls": 1,
    }


def w4(n: int, args: argparse.Namespace) -> JSON:
    from aiida import orm
    from aiida.engine import submit

    label = args.computer
    computer = orm.load_computer(label)
    login_shell = bool(
        computer.get_authinfo(orm.User.collection.get_default())
        .get_auth_params()
        .get("use_login_shell", True)
    )
    code = orm.load_code(f"bash@{label}")

    def submit_one(i: int) -> int:
        builder = code.get_builder()
        builder.x = orm.Int(i)
        builder.y = orm.Int(1)
        return int(submit(builder).pk)

    result = _daemon_workload(
        "W4",
        n,
        args.timeout,
        submit_one,
        {
            "computer": label,
            "transport": "core.local",
            "scheduler": "core.direct",
            "login_shell": login_shell,
        },
    )
    result.update(rate=3600 * n / result["seconds"], unit="jobs/h")
    return result


def w5(n: int, args: argparse.Namespace) -> JSON:
    from aiida import orm
    from aiida.engine import submit
    from aiida_bench_procs import CountWorkChain

    steps = args.steps
    result = _daemon_workload(
        "W5",
        n,
        args.timeout,
        lambda i: int(submit(CountWorkChain, n=orm.Int(steps)).pk),
        {"steps_per_run": steps},
    )
    result.update(
        rate=3600 * n / result["seconds"], unit="runs/h", steps_per_s=n * steps / result["seconds"]
    )
    return result


def _fill(min_nodes: int, deadline: float) -> JSON:
    """Grow the database to ``min_nodes`` nodes with W2 calls, in two processes (one per core)."""
    before = _node_count()
    calls = max(0, math.ceil((min_nodes - before) / NODES_PER_W2_CALL))
    if calls == 0:
        return {"fill_calls": 0, "fill_seconds": 0.0}
    print(
        f"W6: database has {before} nodes; running {calls} add_multiply calls to reach {min_nodes}",
        file=sys.stderr,
    )
    start = time.monotonic()
    halves = [calls // 2, calls - calls // 2]
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "_fill_worker", "--n", str(k)], stdout=subprocess.DEVNULL
        )
        for k in halves
        if k
    ]
    try:
        for proc in procs:
            rc = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            if rc != 0:
                raise WorkloadError(f"filling the database failed: worker exited with {rc}")
    except subprocess.TimeoutExpired as exc:
        raise WorkloadTimeoutError(
            f"filling the database to {min_nodes} nodes did not finish in time"
        ) from exc
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return {"fill_calls": calls, "fill_seconds": round(time.monotonic() - start, 1)}


def _fill_worker(n: int, args: argparse.Namespace) -> JSON:
    from aiida import orm
    from aiida_bench_procs import add_multiply

    for i in range(n):
        add_multiply(orm.Int(i), orm.Int(2), orm.Int(3))
    return {"calls": n}


def _last_w2_output() -> int:
    """pk of the ``result`` returned by the most recent add_multiply call (made if none exists)."""
    from aiida import orm
    from aiida_bench_procs import add_multiply

    qb = (
        orm.QueryBuilder()
        .append(
            orm.WorkFunctionNode, filters={"attributes.function_name": "add_multiply"}, tag="wf"
        )
        .append(orm.Int, with_incoming="wf", edge_filters={"label": "result"}, project="id")
        .order_by({orm.Int: {"id": "desc"}})
        .limit(1)
    )
    rows = qb.all()
    if rows:
        return int(rows[0][0])
    return int(add_multiply(orm.Int(1), orm.Int(2), orm.Int(3)).pk)


def _median_seconds(
    repeats: int, call: Callable[[], object], warmup: int = 1
) -> tuple[float, list[float]]:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def _run_checked(cmd: list[str], cwd: str, timeout: float) -> None:
    try:
        proc = subprocess.run(
            cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise WorkloadError(f"{' '.join(cmd)} did not finish within {timeout:.0f} s") from exc
    if proc.returncode != 0:
        raise WorkloadError(
            f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}"
        )


def w6(n: int, args: argparse.Namespace) -> JSON:
    from aiida import orm

    deadline = time.monotonic() + args.timeout - 120
    fill = _fill(args.min_nodes, deadline)
    nodes = _node_count()
    if nodes < args.min_nodes:
        raise WorkloadError(
            f"database has {nodes} nodes after filling, fewer than --min-nodes {args.min_nodes}"
        )
    target = _last_w2_output()
    analyze_seconds = _analyze()

    def ancestors() -> list[int]:
        qb = (
            orm.QueryBuilder()
            .append(orm.Node, filters={"id": target}, tag="target")
            .append(orm.Node, with_descendants="target", project="id")
        )
        return [row[0] for row in qb.all()]

    def ancestors_via_with_ancestors() -> list[int]:
        qb = (
            orm.QueryBuilder()
            .append(orm.Node, tag="ancestor", project="id")
            .append(orm.Node, filters={"id": target}, with_ancestors="ancestor")
        )
        return [row[0] for row in qb.all()]

    def ancestor_nodes() -> list[orm.Node]:
        """The same query giving the nodes themselves, as graphflow's lineage.ancestors."""
        qb = (
            orm.QueryBuilder()
            .append(orm.Node, filters={"id": target}, tag="target")
            .append(orm.Node, with_descendants="target")
        )
        return qb.all(flat=True)

    found = ancestors()
    if sorted(found) != sorted(ancestors_via_with_ancestors()):
        raise WorkloadError("the two ancestor query formulations disagree")
    if sorted(found) != sorted(node.pk for node in ancestor_nodes()):
        raise WorkloadError("the ancestor nodes differ from the ancestor ids")
    median_q, times_q = _median_seconds(n, ancestors, warmup=3)
    median_nodes, _ = _median_seconds(n, ancestor_nodes, warmup=3)
    median_wa, _ = _median_seconds(max(3, n // 10), ancestors_via_with_ancestors)

    env_cmds = {"verdi_version": [VERDI, "--version"]}
    with tempfile.TemporaryDirectory(prefix="aiida-graph-") as tmp:
        out_file = str(Path(tmp) / "graph.pdf")
        graph_cmd = [VERDI, "-p", PROFILE, "node", "graph", "generate", str(target), "-O", out_file]
        median_graph, times_graph = _median_seconds(
            args.graph_repeats, lambda: _run_checked(graph_cmd, tmp, timeout=120), warmup=0
        )
        if not Path(out_file).is_file():
            raise WorkloadError(f"verdi node graph generate wrote no {out_file}")
        median_version, _ = _median_seconds(
            args.graph_repeats,
            lambda: _run_checked(env_cmds["verdi_version"], tmp, timeout=60),
            warmup=1,
        )
    return {
        "seconds": round(median_q, 6),
        "rate": 1 / median_q,
        "unit": "queries/s",
        "db_nodes": nodes,
        "target_pk": target,
        "ancestors_found": len(found),
        "ancestors_query": (
            "QueryBuilder: Node(id=target) tag 'target', then Node with_descendants='target'"
        ),
        "ancestors_ms": round(1000 * median_q, 3),
        "ancestors_ms_min": round(1000 * min(times_q), 3),
        "ancestors_ms_max": round(1000 * max(times_q), 3),
        "ancestors_nodes_ms": round(1000 * median_nodes, 3),
        "ancestors_with_ancestors_ms": round(1000 * median_wa, 3),
        "graph_generate_s": round(median_graph, 3),
        "graph_generate_all_s": [round(t, 3) for t in times_graph],
        "graph_repeats": args.graph_repeats,
        "verdi_version_s": round(median_version, 3),
        "min_nodes": args.min_nodes,
        "analyze_seconds": round(analyze_seconds, 3),
        **fill,
    }


def w7(n: int, args: argparse.Namespace) -> JSON:
    """Caching: n calls of W1's calcfunction, and n runs of W4's job, each served from
    the cache of one identical calculation made (untimed) first, with caching enabled
    for the two classes only, as a user would enable it."""
    from aiida import orm
    from aiida.engine import run_get_node
    from aiida.manage.caching import enable_caching
    from aiida_bench_procs import add

    x, y = random.randrange(10**9, 10**12), random.randrange(10**9, 10**12)
    code = orm.load_code(f"bash@{args.computer}")

    def job() -> Any:
        builder = code.get_builder()
        builder.x, builder.y = orm.Int(x), orm.Int(y)
        return run_get_node(builder)[1]

    with (
        enable_caching(identifier="aiida_bench_procs.add"),
        enable_caching(identifier="aiida.calculations:core.arithmetic.add"),
    ):
        add.run_get_node(orm.Int(x), orm.Int(y))  # the source
        start = time.perf_counter()
        for _ in range(n):
            node = add.run_get_node(orm.Int(x), orm.Int(y))[1]
            if not node.base.caching.is_created_from_cache:  # from the source or a copy
                raise RuntimeError(f"calcfunction pk {node.pk} was not served from the cache")
        functions = time.perf_counter() - start
        job()  # the source
        start = time.perf_counter()
        for _ in range(n):
            node = job()
            if not node.base.caching.is_created_from_cache:
                raise RuntimeError(f"job pk {node.pk} was not served from the cache")
        jobs = time.perf_counter() - start
    return {
        "ms_per_cached_calcfunction": round(1000 * functions / n, 2),
        "ms_per_cached_job": round(1000 * jobs / n, 2),
        "computer": args.computer,
    }


def grow(n: int, args: argparse.Namespace) -> JSON:
    """Grow the database to ``--min-nodes`` by copying every node and link it holds, with
    fresh uuids, in rounds; one transaction per round.

    A fill with real processes runs at about 13 nodes/s here, so 100,000 nodes would take
    two hours. The copies are AiiDA's own rows (attributes, extras, repository metadata,
    links), so an archive of them is what an archive of real provenance is.
    """
    import uuid

    from aiida.manage import get_manager
    from aiida.storage.psql_dos.models.node import DbLink, DbNode
    from sqlalchemy import insert, inspect, select

    storage = get_manager().get_profile_storage()
    session = storage.get_session()
    node_keys = [c.key for c in inspect(DbNode).column_attrs if c.key not in ("id", "uuid")]
    link_keys = [c.key for c in inspect(DbLink).column_attrs if c.key not in ("id",)]
    nodes = [
        {k: getattr(row, k) for k in ("id", *node_keys)} for row in session.scalars(select(DbNode))
    ]
    links = [{k: getattr(row, k) for k in link_keys} for row in session.scalars(select(DbLink))]
    before = count = len(nodes)
    rounds = 0
    start = time.monotonic()
    while count < args.min_nodes:
        with storage.transaction():
            rows = [
                {**{k: node[k] for k in node_keys}, "uuid": str(uuid.uuid4())} for node in nodes
            ]
            inserted = session.execute(insert(DbNode).returning(DbNode.uuid, DbNode.id), rows)
            new_ids = {str(uuid_): pk for uuid_, pk in inserted}
            pk = {node["id"]: new_ids[row["uuid"]] for node, row in zip(nodes, rows, strict=True)}
            copied = [
                {**link, "input_id": pk[link["input_id"]], "output_id": pk[link["output_id"]]}
                for link in links
            ]
            if copied:
                session.execute(insert(DbLink), copied)
        count += len(nodes)
        rounds += 1
    _analyze()
    return {
        "nodes_before": before,
        "copies": rounds,
        "grow_seconds": round(time.monotonic() - start, 1),
    }


def _psql(sql: str) -> None:
    subprocess.run(
        [
            "runuser",
            "-u",
            "postgres",
            "--",
            "psql",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            "postgres",
            "-c",
            sql,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _drop_import_profile() -> None:
    from aiida.manage.configuration import get_config

    if IMPORT_PROFILE in get_config().profile_names:
        _verdi_as(IMPORT_PROFILE, "profile", "delete", "--force", "--keep-data", IMPORT_PROFILE)
    _psql(f"DROP DATABASE IF EXISTS {IMPORT_DATABASE}")
    subprocess.run(["rm", "-rf", str(HERE / ".aiida" / "repository" / IMPORT_PROFILE)], check=True)


def _new_import_profile() -> None:
    """An empty profile beside ``bench``, made the way setup.sh makes ``bench``."""
    _drop_import_profile()
    _psql(f"CREATE DATABASE {IMPORT_DATABASE} OWNER aiida_bench ENCODING 'UTF8' TEMPLATE template0")
    _verdi_as(
        None, "profile", "setup", "core.psql_dos", "-n", "-p", IMPORT_PROFILE,
        "--email", "bench@graphflow.invalid", "--first-name", "graphflow", "--last-name", "bench",
        "--institution", "graphflow", "--broker", "core.rabbitmq",
        "--database-hostname", "localhost", "--database-username", "aiida_bench",
        "--database-password", "aiida_bench", "--database-name", IMPORT_DATABASE,
        "--repository-uri", f"file://{HERE / '.aiida' / 'repository' / IMPORT_PROFILE}",
    )  # fmt: skip


def _verdi_as(profile: str | None, *args: str) -> None:
    command = [VERDI, *(["-p", profile] if profile else []), *args]
    out = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if out.returncode != 0:
        raise WorkloadError(
            f"`{' '.join(command)}` exited with {out.returncode}: {out.stderr[-2000:]}"
        )


def _count_in(profile: str) -> int:
    script = (
        "from aiida import load_profile, orm; "
        f"load_profile({profile!r}); print(orm.QueryBuilder().append(orm.Node).count())"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=True
    )
    return int(out.stdout.split()[-1])


def w8(n: int, args: argparse.Namespace) -> JSON:
    """Archives: ``verdi archive create --all`` of the whole profile, then ``verdi archive
    import`` of that file into a fresh profile (made untimed first), each a fresh ``verdi``
    with AiiDA's default options (compression 6, import group on)."""
    from measure import archive_figures, measured

    nodes = _node_count()
    with tempfile.TemporaryDirectory(prefix="aiida-w8-") as tmp:
        archive = Path(tmp) / "all.aiida"
        deadline = args.timeout - 60
        export = measured(
            [VERDI, "-p", PROFILE, "archive", "create", "--all", str(archive)], deadline / 2
        )
        size = archive.stat().st_size
        _new_import_profile()
        try:
            imported = measured(
                [VERDI, "-p", IMPORT_PROFILE, "archive", "import", str(archive)], deadline / 2
            )
            arrived = _count_in(IMPORT_PROFILE)
        finally:
            _drop_import_profile()
    if arrived != nodes:
        raise WorkloadError(
            f"the import profile holds {arrived} nodes; the archive was made of {nodes}"
        )
    return archive_figures(nodes, size, export, imported)


def fill(n: int, args: argparse.Namespace) -> JSON:
    deadline = time.monotonic() + args.timeout - 30
    result = _fill(args.min_nodes, deadline)
    return {**result, "db_nodes": _node_count(), "min_nodes": args.min_nodes}


WORKLOADS: dict[str, Callable[[int, argparse.Namespace], JSON]] = {
    "W1": w1,
    "W2": w2,
    "W3": w3,
    "W4": w4,
    "W5": w5,
    "W6": w6,
    "W7": w7,
    "W8": w8,
    "fill": fill,
    "grow": grow,
    "_fill_worker": _fill_worker,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("workload", choices=list(WORKLOADS), metavar="{W1,...,W8,fill,grow}")
    parser.add_argument(
        "--n", type=int, help="calls, runs, jobs, or (W6) query repeats; default per workload"
    )
    parser.add_argument(
        "--timeout", type=int, help="seconds before the workload gives up; default per workload"
    )
    parser.add_argument(
        "--steps", type=int, default=10, help="W3/W5: loop iterations per WorkChain run"
    )
    parser.add_argument(
        "--computer",
        default="localhost",
        help="W4: localhost (AiiDA default, login shell) or localhost-nologin",
    )
    parser.add_argument(
        "--min-nodes", type=int, default=20_000, help="W6/fill/grow: grow the DB to this many nodes"
    )
    parser.add_argument(
        "--graph-repeats", type=int, default=5, help="W6: repeats of the verdi subprocesses"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    default_n, default_timeout = DEFAULTS.get(args.workload, (0, 3600))
    n = default_n if args.n is None else args.n
    args.timeout = default_timeout if args.timeout is None else args.timeout
    record: JSON = {"engine": "aiida", "workload": args.workload, "n": n}
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(args.timeout)
    try:
        _load()
        record = _base(args.workload, n)
        record.update(WORKLOADS[args.workload](n, args))
        signal.alarm(0)
        record["db_nodes_after"] = _node_count()
        record.update(_service_versions())
        status = 0
    except Exception as exc:
        signal.alarm(0)
        traceback.print_exc(file=sys.stderr)
        record["error"] = f"{type(exc).__name__}: {exc}"
        status = 1
    _JSON_OUT.write(json.dumps(record) + "\n")
    _JSON_OUT.flush()
    return status


if __name__ == "__main__":
    sys.exit(main())
