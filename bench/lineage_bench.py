"""W6: ancestors of a node and drawing its provenance, graphflow beside AiiDA 2.9, same run.

    python bench/lineage_bench.py [--home DIR] [--min-nodes 100000] [--repeats 200]
                                  [--graph-repeats 5] [--aiida-min-nodes N] [--skip-aiida]

1. builds (or reuses, topping it up) a graphflow store under ``--home`` holding at least
   ``--min-nodes`` provenance nodes made by running real processes
   (``bench/lineage_fill.py``: listing 8 runs, Fibonacci chains, fan-ins);
2. times, on W6's target (the newest ``add_multiply`` result, as AiiDA's harness picks):
   ``lineage.ancestors`` from Python (median of ``--repeats``; it runs ``aancestors`` on
   graphflow's loop and waits), ``aancestors`` on the loop itself (what the shell and
   async code call), a user's Cypher for the ancestors through ``graphflow.cypher``,
   ``RETURN 1`` through it (a user's statement runs in a read transaction) and as a named
   read from Python (the floor of ``lineage.ancestors``); ancestors of deeper targets too
   (chains of 40 and 400 additions, a fan-in);
3. times ``graphflow node graph PK --format pdf`` as a subprocess, end to end (interpreter
   start, store connection, queries, Graphviz), median of ``--graph-repeats``; and
   ``graphflow --version``;
4. runs AiiDA's W6 (``bench/aiida/workloads.py W6``: QueryBuilder ancestors, median of
   50, projecting ids (AiiDA's cheapest form) and giving the nodes (what
   ``lineage.ancestors`` gives); ``verdi node graph generate`` to PDF, median of 5) right
   after, on a database grown to ``--aiida-min-nodes`` (default: ``--min-nodes``);
5. writes ``bench/results/<UTC time>-lineage.json`` and a markdown table (stdout and
   ``.md`` beside the JSON).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

BENCH = Path(__file__).resolve().parent
AIIDA = BENCH / "aiida"
ANCESTORS_CYPHER = "MATCH (n:Node {pk: $pk})<-[:INPUT|CREATE*]-(a:Node) RETURN DISTINCT a"
TARGET_CYPHER = (
    "MATCH (w:WorkFunction {process_label: $label})-[:RETURN]->(r:Node) "
    "RETURN r.pk AS pk ORDER BY pk DESC LIMIT 1"
)


def median_ms(repeats: int, call: Callable[[], object], warmup: int = 10) -> dict[str, float]:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return {
        "ms": round(1000 * statistics.median(times), 3),
        "ms_min": round(1000 * min(times), 3),
        "ms_p90": round(1000 * sorted(times)[int(0.9 * len(times))], 3),
    }


def run_seconds(cmd: list[str], repeats: int, cwd: str, env: dict[str, str]) -> dict[str, Any]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=300, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.decode()[-500:]}")
    return {"s": round(statistics.median(times), 3), "all_s": [round(t, 3) for t in times]}


def graphflow_side(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """Everything measured on graphflow (in this interpreter, on the store under --home)."""
    import graphflow as gf
    from graphflow import _loop, lineage
    from graphflow.orm import get_backend
    from graphflow.store import query

    def newest(label: str) -> Any:
        rows = gf.cypher(TARGET_CYPHER, label=label)
        return gf.load_node(rows[0]["pk"])

    target = newest("add_multiply")
    found = lineage.ancestors(target)
    if len(found) != 6:
        raise SystemExit(f"W6 target pk {target.pk} has {len(found)} ancestors, expected 6")
    out: dict[str, Any] = {
        "db_nodes": gf.cypher("MATCH (n:Node) RETURN count(n) AS c")[0]["c"],
        "target_pk": target.pk,
        "ancestors_found": len(found),
    }
    out["ancestors_python"] = median_ms(args.repeats, lambda: lineage.ancestors(target))

    async def on_loop() -> dict[str, float]:
        times = []
        for i in range(args.repeats + 10):
            start = time.perf_counter()
            await lineage.aancestors(target)
            if i >= 10:
                times.append(time.perf_counter() - start)
        return {
            "ms": round(1000 * statistics.median(times), 3),
            "ms_min": round(1000 * min(times), 3),
            "ms_p90": round(1000 * sorted(times)[int(0.9 * len(times))], 3),
        }

    out["ancestors_on_loop"] = _loop.call(on_loop())
    via = gf.cypher(ANCESTORS_CYPHER, pk=target.pk)
    if len(via) != 6:
        raise SystemExit(f"the Cypher ancestors query found {len(via)} rows, expected 6")
    out["ancestors_cypher"] = median_ms(
        args.repeats, lambda: gf.cypher(ANCESTORS_CYPHER, pk=target.pk)
    )
    out["return_1_cypher"] = median_ms(args.repeats, lambda: gf.cypher("RETURN 1 AS one"))

    async def ping() -> None:
        await (await get_backend()).store.read(query("store.ping"))

    out["return_1_read"] = median_ms(args.repeats, lambda: _loop.call(ping()))
    deeper: dict[str, Any] = {}
    chains = gf.cypher(
        "MATCH (w:WorkFunction {process_label: 'fibonacci_chain'})-[:RETURN]->(r:Node) "
        "MATCH (w)<-[:INPUT {label: 'steps'}]-(s:Int) "
        "RETURN s.value AS steps, max(r.pk) AS pk ORDER BY steps"
    )
    fans = gf.cypher(TARGET_CYPHER, label="fan_in")
    shapes = [(f"chain_{row['steps']}", row["pk"]) for row in chains]
    shapes += [("fan_in_50", row["pk"]) for row in fans]
    for name, pk in shapes:
        node = gf.load_node(pk)
        count = len(lineage.ancestors(node))
        deeper[name] = {
            "pk": pk,
            "ancestors": count,
            **median_ms(max(10, args.repeats // 10), lambda n=node: lineage.ancestors(n), 3),
        }
    out["ancestors_deeper"] = deeper

    exe = str(Path(sys.executable).parent / "graphflow")
    # pip compiles an installed package's bytecode (AiiDA's side has it); an editable
    # checkout, with PYTHONDONTWRITEBYTECODE set, would compile graphflow on every start
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(Path(gf.__file__).parent)],
        check=True,
        capture_output=True,
    )
    with tempfile.TemporaryDirectory(prefix="graphflow-graph-") as tmp:
        cmd = [exe, "node", "graph", str(target.pk), "--format", "pdf", "-o", "graph.pdf"]
        out["node_graph"] = run_seconds(cmd, args.graph_repeats, tmp, env)
        if not (Path(tmp) / "graph.pdf").read_bytes().startswith(b"%PDF"):
            raise SystemExit("graphflow node graph wrote no PDF")
        out["version"] = run_seconds([exe, "--version"], args.graph_repeats, tmp, env)
    return out


def aiida_side(args: argparse.Namespace) -> dict[str, Any]:
    """AiiDA's W6 through its own harness (a fresh interpreter of its own venv)."""
    env = {**os.environ, "AIIDA_PATH": str(AIIDA)}
    env.pop("GRAPHFLOW_HOME", None)
    if not args.skip_setup:
        subprocess.run([str(AIIDA / "setup.sh")], env=env, check=True, capture_output=True)
    python = AIIDA / ".venv" / "bin" / "python"
    cmd = [
        str(python),
        str(AIIDA / "workloads.py"),
        "W6",
        "--min-nodes",
        str(args.aiida_min_nodes or args.min_nodes),
        "--graph-repeats",
        str(args.graph_repeats),
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=7200, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"AiiDA W6 printed no result: {done.stderr[-1000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    if "error" in result:
        raise SystemExit(f"AiiDA W6 failed: {result['error']}")
    return result


def table(result: dict[str, Any]) -> str:
    g, a = result["graphflow"], result.get("aiida")
    rows = [
        "| W6 | graphflow | AiiDA 2.9 | AiiDA / graphflow |",
        "|---|---|---|---|",
    ]

    def ratio(theirs: float | None, ours: float) -> str:
        return f"{theirs / ours:.1f}x" if theirs else "n/a"

    aiida_ms = a["ancestors_ms"] if a else None
    aiida_nodes_ms = a.get("ancestors_nodes_ms") if a else None
    aiida_graph = a["graph_generate_s"] if a else None
    aiida_version = a["verdi_version_s"] if a else None
    aiida_nodes = f"{a['db_nodes']:,}" if a else "n/a"
    rows += [
        f"| store size (provenance nodes) | {g['db_nodes']:,} | {aiida_nodes} | |",
        "| ancestors of W2's output, `lineage.ancestors` (median) | "
        f"{g['ancestors_python']['ms']} ms | {aiida_ms} ms | "
        f"{ratio(aiida_ms, g['ancestors_python']['ms'])} |",
        "| same, AiiDA giving the nodes themselves (as `lineage.ancestors` does) | "
        f"{g['ancestors_python']['ms']} ms | {aiida_nodes_ms} ms | "
        f"{ratio(aiida_nodes_ms, g['ancestors_python']['ms'])} |",
        f"| same, `aancestors` on graphflow's loop | {g['ancestors_on_loop']['ms']} ms | "
        f"| {ratio(aiida_ms, g['ancestors_on_loop']['ms'])} |",
        f"| same, a user's Cypher via `graphflow.cypher` | {g['ancestors_cypher']['ms']} ms | "
        f"| {ratio(aiida_ms, g['ancestors_cypher']['ms'])} |",
        f"| `RETURN 1` via `graphflow.cypher` (a user's statement: a read transaction) | "
        f"{g['return_1_cypher']['ms']} ms | | |",
        "| `RETURN 1` as a named read from Python (the floor of `lineage.ancestors`) | "
        f"{g['return_1_read']['ms']} ms | | |",
        f"| draw it: `graphflow node graph` / `verdi node graph generate` (PDF, end to end) | "
        f"{g['node_graph']['s']} s | {aiida_graph} s | "
        f"{ratio(aiida_graph, g['node_graph']['s'])} |",
        f"| CLI start-up: `graphflow --version` / `verdi --version` | {g['version']['s']} s | "
        f"{aiida_version} s | {ratio(aiida_version, g['version']['s'])} |",
    ]
    for name, row in g["ancestors_deeper"].items():
        rows.append(
            f"| ancestors of a {name.replace('_', ' ')} result ({row['ancestors']} nodes) | "
            f"{row['ms']} ms | | |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_home = Path(tempfile.gettempdir()) / "graphflow-lineage-bench"
    parser.add_argument("--home", type=Path, default=default_home, help="GRAPHFLOW_HOME to use")
    parser.add_argument("--min-nodes", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--graph-repeats", type=int, default=5)
    parser.add_argument("--aiida-min-nodes", type=int, default=None)
    parser.add_argument("--skip-aiida", action="store_true")
    parser.add_argument("--skip-setup", action="store_true", help="do not run bench/aiida/setup.sh")
    args = parser.parse_args()

    args.home.mkdir(parents=True, exist_ok=True)
    os.environ["GRAPHFLOW_HOME"] = str(args.home)
    env = dict(os.environ)
    fill = subprocess.run(
        [sys.executable, str(BENCH / "lineage_fill.py"), "--min-nodes", str(args.min_nodes)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if fill.returncode != 0:
        raise SystemExit(f"filling the store failed: {fill.stderr[-1000:]}")
    started = datetime.datetime.now(datetime.UTC)
    result: dict[str, Any] = {
        "workload": "W6",
        "started": started.isoformat(timespec="seconds"),
        "machine": {
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_before": os.getloadavg(),
        },
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=BENCH,
            check=False,
        ).stdout.strip(),
        "fill": json.loads(fill.stdout.strip().splitlines()[-1]),
        "graphflow": graphflow_side(args, env),
    }
    if not args.skip_aiida:
        result["aiida"] = aiida_side(args)
        g, a = result["graphflow"], result["aiida"]
        result["ratios"] = {
            "ancestors": round(a["ancestors_ms"] / g["ancestors_python"]["ms"], 2),
            "ancestors_nodes": round(a["ancestors_nodes_ms"] / g["ancestors_python"]["ms"], 2),
            "ancestors_on_loop": round(a["ancestors_ms"] / g["ancestors_on_loop"]["ms"], 2),
            "ancestors_cypher": round(a["ancestors_ms"] / g["ancestors_cypher"]["ms"], 2),
            "graph": round(a["graph_generate_s"] / g["node_graph"]["s"], 2),
        }
    result["machine"]["load_after"] = os.getloadavg()
    out_dir = BENCH / "results"
    out_dir.mkdir(exist_ok=True)
    stem = out_dir / f"{started.strftime('%Y%m%dT%H%M%SZ')}-lineage"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    text = table(result)
    stem.with_suffix(".md").write_text(text + "\n")
    print(text)
    print(f"\nresults: {stem.with_suffix('.json')}")


if __name__ == "__main__":
    main()
