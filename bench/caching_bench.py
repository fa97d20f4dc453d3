"""Caching: the time a calculation served from the cache takes, beside AiiDA's (issue 26).

    python bench/caching_bench.py [--n N] [--no-aiida]

W7: W1's calcfunction (``add(Int, Int)``) and W4's job (``core.arithmetic.add`` on a
``localhost`` computer with the direct scheduler), N times each with the same inputs,
every call served from the cache of one identical calculation made first (untimed), with
caching enabled for those two classes only. graphflow runs on a fresh embedded store
under a temporary ``GRAPHFLOW_HOME`` (deleted at the end); AiiDA runs the same through
``bench/aiida/workloads.py W7`` on its ``bench`` profile (default PostgreSQL settings),
in the same run. Results go to ``bench/results/<UTC time>-caching.json`` and a table on
stdout (ratio: AiiDA's time over graphflow's, higher is better for graphflow).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from engine_bench import AIIDA, aiida_side  # noqa: E402


def graphflow_side(n: int, workdir: Path) -> dict[str, Any]:
    import graphflow as gf
    from graphflow import CalculationFactory
    from graphflow.orm import Code, Computer

    @gf.calcfunction
    def add(x, y):  # type: ignore[no-untyped-def]  # W1's, as AiiDA's side has it
        return x + y

    computer = Computer(
        "localhost", hostname="localhost", transport="local", scheduler="direct",
        workdir=str(workdir),
    ).store()  # fmt: skip
    code = Code(label="bash", computer=computer, executable="/bin/bash").store()
    job_class = CalculationFactory("core.arithmetic.add")
    x, y = random.randrange(10**9, 10**12), random.randrange(10**9, 10**12)

    def job() -> Any:
        return gf.run_get_node(job_class, code=code, x=gf.Int(x), y=gf.Int(y))[1]

    with gf.enable_caching(identifier=add), gf.enable_caching(identifier=job_class):
        add.run_get_node(gf.Int(x), gf.Int(y))  # the source
        start = time.perf_counter()
        for _ in range(n):
            node = add.run_get_node(gf.Int(x), gf.Int(y))[1]
            if not node.is_created_from_cache:
                raise RuntimeError(f"calcfunction pk {node.pk} was not served from the cache")
        functions = time.perf_counter() - start
        job()  # the source
        start = time.perf_counter()
        for _ in range(n):
            node = job()
            if not node.is_created_from_cache:
                raise RuntimeError(f"job pk {node.pk} was not served from the cache")
        jobs = time.perf_counter() - start
    return {
        "ms_per_cached_calcfunction": round(1000 * functions / n, 2),
        "ms_per_cached_job": round(1000 * jobs / n, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="cached calls of each kind (100)")
    parser.add_argument("--no-aiida", action="store_true", help="graphflow only")
    args = parser.parse_args()

    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    home = Path(tempfile.mkdtemp(prefix="graphflow-bench-"))
    os.environ["GRAPHFLOW_HOME"] = str(home)
    os.environ.pop("GRAPHFLOW_PROFILE", None)
    report: dict[str, Any] = {"started": started, "n": args.n}
    try:
        report["graphflow"] = graphflow_side(args.n, home / "work")
    finally:
        from graphflow import _loop
        from graphflow.orm import close_backends, embedded_server, load_profile

        _loop.call(close_backends())
        _loop.call(embedded_server(load_profile()).stop())
        shutil.rmtree(home, ignore_errors=True)
    if not args.no_aiida:
        subprocess.run([str(AIIDA / "setup.sh")], check=True, capture_output=True)
        report["aiida"] = aiida_side("W7", args.n, "--computer", "localhost-nologin")

    print(f"{'cached':<14}{'graphflow ms':>14}{'AiiDA ms':>12}{'ratio':>8}")
    for kind, key in (("calcfunction", "ms_per_cached_calcfunction"), ("job", "ms_per_cached_job")):
        ours = report["graphflow"][key]
        theirs = report.get("aiida", {}).get(key)
        ratio = f"{theirs / ours:.1f}x" if theirs else "-"
        print(f"{kind:<14}{ours:>14.2f}{theirs or float('nan'):>12.2f}{ratio:>8}")
        if theirs:
            report.setdefault("ratios", {})[kind] = round(theirs / ours, 2)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = BENCH / "results" / f"{stamp}-caching.json"
    target.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results: {target.relative_to(BENCH.parent)}")


if __name__ == "__main__":
    main()
