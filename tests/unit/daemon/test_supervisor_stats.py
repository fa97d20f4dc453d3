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
