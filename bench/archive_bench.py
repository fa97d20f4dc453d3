"""Archives: export and import of the W6 store beside ``verdi archive`` (issue 26, W8).

    python bench/archive_bench.py [--home DIR] [--min-nodes 100000] [--no-aiida]

graphflow: the W6 store (``bench/lineage_fill.py`` grows ``--home`` to ``--min-nodes``
provenance nodes with real processes, once) is written whole with ``graphflow archive
create --all``, and the file is imported with ``graphflow archive import`` into a fresh
``GRAPHFLOW_HOME``. Each store server is started untimed first (restarted, for the export,
so its peak memory is the export's), and each command is a fresh ``graphflow`` process.

AiiDA: ``bench/aiida/workloads.py grow`` brings the ``bench`` profile to as many nodes as
graphflow's store (by copying its own provenance: real processes fill at about 13
nodes/s), then ``workloads.py W8`` runs ``verdi archive create --all`` and ``verdi archive
import`` into a fresh profile, in the same run.

Figures: wall seconds and nodes per second of each command; the peak resident memory of
the command's own process. The store servers are not in that figure (graphflow's is
reported apart, from its ``VmHWM``; PostgreSQL's is not measured). Results go to
``bench/results/<UTC time>-archive.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from engine_bench import AIIDA, aiida_side  # noqa: E402
from measure import archive_figures, measured  # noqa: E402

GRAPHFLOW = str(Path(sys.executable).parent / "graphflow")
TIMEOUT = 3600.0


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "GRAPHFLOW_HOME": str(home)}
    env.pop("GRAPHFLOW_PROFILE", None)
    return env


def _graphflow(home: Path, *args: str) -> None:
    subprocess.run([GRAPHFLOW, *args], env=_env(home), check=True, capture_output=True)


def _node_count(home: Path) -> int:
    script = (
        f"import sys; sys.path.insert(0, {str(BENCH)!r}); "
        "import lineage_fill as fill; print(fill.node_count())"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=_env(home), check=True, capture_output=True, text=True
    )
    return int(out.stdout.split()[-1])


def _server_peak_mib(home: Path) -> float:
    """The peak resident memory of the profile's running store server (``VmHWM``)."""
    server = json.loads((home / "profiles" / "default" / "store" / "server.json").read_text())
    for line in Path(f"/proc/{server['pid']}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmHWM for the store server, pid {server['pid']}")


def graphflow_side(home: Path, min_nodes: int, workdir: Path) -> dict[str, Any]:
    fill = [sys.executable, str(BENCH / "lineage_fill.py"), "--min-nodes", str(min_nodes)]
    subprocess.run(fill, env=_env(home), check=True)
    nodes = _node_count(home)
    archive = workdir / "all.zip"
    _graphflow(home, "store", "stop")
    _graphflow(home, "store", "start")
    export = measured([GRAPHFLOW, "archive", "create", "--all", str(archive)], TIMEOUT, _env(home))
    export_server = _server_peak_mib(home)
    target = workdir / "import-home"
    _graphflow(target, "store", "start")
    try:
        imported = measured([GRAPHFLOW, "archive", "import", str(archive)], TIMEOUT, _env(target))
        import_server = _server_peak_mib(target)
        arrived = _node_count(target)
    finally:
        _graphflow(target, "store", "stop")
    if arrived != nodes:
        raise RuntimeError(f"the new home holds {arrived} nodes; the archive was made of {nodes}")
    return {
        **archive_figures(nodes, archive.stat().st_size, export, imported),
        "export_server_peak_rss_mib": export_server,
        "import_server_peak_rss_mib": import_server,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/gf-w6"), help="the W6 store")
    parser.add_argument("--min-nodes", type=int, default=100_000)
    parser.add_argument("--no-aiida", action="store_true", help="graphflow only")
    args = parser.parse_args()

    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    workdir = Path(tempfile.mkdtemp(prefix="graphflow-archive-bench-"))
    report: dict[str, Any] = {"started": started}
    try:
        report["graphflow"] = graphflow_side(args.home, args.min_nodes, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if not args.no_aiida:
        subprocess.run([str(AIIDA / "setup.sh")], check=True, capture_output=True)
        nodes = str(report["graphflow"]["nodes"])
        report["aiida_grow"] = aiida_side("grow", 0, "--min-nodes", nodes)
        report["aiida"] = aiida_side("W8", 1)

    print(f"{'':<22}{'graphflow':>12}{'AiiDA':>12}{'ratio':>8}")
    for key in ("nodes", "export_nodes_per_s", "import_nodes_per_s", "export_peak_rss_mib",
                "import_peak_rss_mib", "archive_bytes"):  # fmt: skip
        ours = report["graphflow"][key]
        theirs = report.get("aiida", {}).get(key)
        ratio = ""
        if theirs and key.endswith("_per_s"):
            ratio = f"{ours / theirs:.1f}x"
            report.setdefault("ratios", {})[key] = round(ours / theirs, 2)
        shown = "-" if theirs is None else f"{theirs:,}"
        print(f"{key:<22}{ours:>12,}{shown:>12}{ratio:>8}")
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = BENCH / "results" / f"{stamp}-archive.json"
    target.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results: {target.relative_to(BENCH.parent)}")


if __name__ == "__main__":
    main()
