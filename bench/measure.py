"""One command's wall time and peak memory, for benchmarks whose two sides run in different
virtualenvs (stdlib only, so ``bench/aiida/workloads.py`` imports it too)."""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from typing import Any


def measured(
    command: list[str], timeout: float, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``command`` to its end: seconds of wall time, and the peak resident memory of it
    and of the children it waited for (``wait4``'s own figure for this one process, so a
    second measurement in the same run is not the maximum of both).

    Raises ``TimeoutError`` after ``timeout`` seconds (the command is killed) and
    ``RuntimeError`` with the end of its stderr when it fails.
    """
    with tempfile.TemporaryFile("w+") as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            stderr.seek(0)
            if seconds >= timeout:
                raise TimeoutError(f"`{' '.join(command)}` ran past {timeout:.0f} s")
            raise RuntimeError(
                f"`{' '.join(command)}` exited with {proc.returncode}: {stderr.read()[-2000:]}"
            )
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1)}


def archive_figures(
    nodes: int, archive_bytes: int, export: dict[str, Any], imported: dict[str, Any]
) -> dict[str, Any]:
    """W8's record, the same for both engines: an export and an import of ``nodes``."""
    return {
        "nodes": nodes,
        "archive_bytes": archive_bytes,
        "export_seconds": export["seconds"],
        "export_nodes_per_s": round(nodes / export["seconds"], 1),
        "import_seconds": imported["seconds"],
        "import_nodes_per_s": round(nodes / imported["seconds"], 1),
        "export_peak_rss_mib": export["peak_rss_mib"],
        "import_peak_rss_mib": imported["peak_rss_mib"],
    }
