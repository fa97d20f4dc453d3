"""The daemon folder's worker statistics list live workers only."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

from graphflow.daemon._paths import DaemonPaths
from graphflow.daemon._supervisor import Supervisor

if TYPE_CHECKING:
    from pathlib import Path


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_new_supervisor_forgets_workers_that_died_without_cleaning_up(tmp_path: Path) -> None:
    paths = DaemonPaths(tmp_path)
    paths.workers.mkdir()
    dead = paths.workers / f"{dead_pid()}.json"
    live = paths.workers / f"{os.getpid()}.json"
    other = paths.workers / "notes.json"  # not a worker's: left alone
    for stats in (dead, live, other):
        stats.write_text("{}")

    Supervisor("default", paths, workers=0)._forget_dead_workers()

    assert not dead.exists()
    assert live.exists()
    assert other.exists()


def test_health_is_read_from_the_statistics_a_worker_writes() -> None:
    from graphflow.daemon._supervisor import health_problem

    now = 1000.0
    fine = {"time": now - 1, "writer": "running", "write_stall": 3.0}
    assert health_problem(fine, now) is None
    assert health_problem({}, now) is None  # still starting
    assert "loop is stuck" in str(health_problem({**fine, "time": now - 31}, now))
    assert "writer stopped" in str(health_problem({**fine, "writer": "stopped"}, now))
    stalled = health_problem({**fine, "write_stall": 181.0}, now)
    assert stalled == "its oldest write has waited 181 s (the store is not taking writes)"
