"""SIGKILL the interpreter running a calculation job at each of its tasks, resume it with
``graphflow process resume``: the job finishes ok, its command ran exactly once (a submit
repeated after a crash replays the first one's outcome instead of queueing a second job),
and its provenance is complete."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import graphflow as gf
from graphflow.errors import NotExistentError

if TYPE_CHECKING:
    from collections.abc import Callable

    from graphflow.orm import CalcJobNode

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
pytestmark = pytest.mark.usefixtures("backend")


def _env(graphflow_home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "GRAPHFLOW_HOME": str(graphflow_home),
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
    }


def _stored(uuid: str) -> CalcJobNode | None:
    try:
        node = gf.load_node(uuid)
    except NotExistentError:
        return None
    return node  # type: ignore[return-value]


# when to kill: once the store shows the job at this point of its life
KILL_POINTS: dict[str, Callable[[CalcJobNode], bool]] = {
    "uploaded": lambda node: node.remote_workdir is not None,
    "submitted": lambda node: node.job_id is not None,
    "running": lambda node: node.scheduler_state == "running",
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_job_killed_with_its_interpreter_resumes_and_runs_once(graphflow_home, tmp_path, point):
    computer = gf.Computer(
        f"resume-{point}-{os.getpid()}-{time.monotonic_ns()}",
        hostname="localhost",
        transport="local",
        scheduler="direct",
        workdir=str(tmp_path / "work"),
    ).store()
    code = gf.Code(label="bash", computer=computer, executable="/bin/bash").store()
    runs = tmp_path / "runs.txt"
    script = f"echo run >> {runs}; sleep 2; echo done"
    child = subprocess.Popen(
        [sys.executable, str(HERE / "calcjob_runner.py"), code.full_label, script],
        env=_env(graphflow_home),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    uuid = child.stdout.readline().strip()
    deadline = time.monotonic() + 60
    while True:
        node = _stored(uuid)
        if node is not None and KILL_POINTS[point](node):
            break
        assert child.poll() is None, "the job ended before the kill point"
        assert time.monotonic() < deadline, f"the job never reached {point}"
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)

    resumed = subprocess.run(
        [str(Path(sys.executable).parent / "graphflow"), "process", "resume", uuid],
        env=_env(graphflow_home),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    node = gf.load_node(uuid)
    assert node.is_finished_ok, node.exit_message
    assert runs.read_text() == "run\n"
    assert set(node.outputs) == {"remote_folder", "retrieved"}
    assert node.outputs["retrieved"].get_object_content("out.txt") == "done\n"
