"""Any interpreter continues any process: work chains from scripts and from modules the
daemon was not started beside survive a restart, a stop and start, a SIGKILL of their
worker and ``process resume``; what no other interpreter could import is refused at
submit."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest
from support.daemon_workflows import wait_terminated, wait_until

import graphflow as gf

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.requires_rabbitmq, pytest.mark.usefixtures("backend")]

#: a work chain of slow steps, one helper module beside it, a calcfunction of its own
CHAIN = """
import sys, time
from graphflow import Int, WorkChain, calcfunction, submit, while_
from helper import STEP_SECONDS

@calcfunction
def add_one(x):
    return x + 1

class SlowCount(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("n", valid_type=Int)
        spec.output("count", valid_type=Int)
        spec.outline(cls.start, while_(cls.more)(cls.tick), cls.done)

    def start(self):
        self.ctx.i = 0

    def more(self):
        return self.ctx.i < self.inputs.n.value

    def tick(self):
        time.sleep(STEP_SECONDS)
        self.ctx.last = add_one(Int(self.ctx.i))
        self.ctx.i += 1

    def done(self):
        self.out("count", self.ctx.last)
"""

LAUNCH_SCRIPT = (
    CHAIN
    + """
if __name__ == "__main__":
    print(submit(SlowCount, n=Int(int(sys.argv[1]))).pk)
"""
)

LAUNCH_MODULE = """
import sys
from graphflow import Int, submit
from chains import SlowCount
print(submit(SlowCount, n=Int(int(sys.argv[1]))).pk)
"""


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "helper.py").write_text("STEP_SECONDS = 0.4\n")
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text))
    return folder


def _launch(daemon, folder: Path, script: str, n: int) -> gf.ProcessNode:  # type: ignore[no-untyped-def]
    """Run ``script`` in ``folder`` as a user would; the daemon was started elsewhere."""
    env = {**daemon.env(), "PYTHONPATH": ""}
    done = subprocess.run(
        [sys.executable, script, str(n)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return gf.load_node(int(done.stdout.split()[-1]))


def _running_with_steps_left(node: gf.ProcessNode) -> None:
    wait_until(lambda: len(gf.load_node(node.pk).called) >= 2, timeout=60, what="two steps done")


@pytest.mark.parametrize("how", ["restart", "stop-start", "sigkill"])
def test_a_script_defined_work_chain_continues_after_its_worker_goes(
    daemon, tmp_path: Path, how: str
) -> None:
    folder = _project(tmp_path, {"slow.py": LAUNCH_SCRIPT})
    node = _launch(daemon, folder, "slow.py", 20)
    assert node.process_type == f"file:{(folder / 'slow.py').resolve()}:SlowCount"
    _running_with_steps_left(node)
    if how == "restart":
        result = daemon.cli("daemon", "restart")
        assert result.returncode == 0, result.stderr
    elif how == "stop-start":
        daemon.cli("daemon", "stop")
        daemon.start(2)
    else:
        for pid in daemon.worker_pids():
            daemon.kill_worker(pid)
    daemon.wait_for_workers(2)
    (final,) = wait_terminated([node], timeout=180)
    assert final.is_finished_ok, final.exit_message + daemon.logs()[-3000:]
    assert final.outputs.count.value == 20
    # every step's calcfunction names the script too, wherever it ran
    assert {child.process_type for child in final.called} == {
        f"file:{(folder / 'slow.py').resolve()}:add_one"
    }


def test_a_module_beside_the_launching_script_is_imported_by_workers_started_elsewhere(
    daemon, tmp_path: Path
) -> None:
    folder = _project(tmp_path, {"chains.py": CHAIN, "launch.py": LAUNCH_MODULE})
    node = _launch(daemon, folder, "launch.py", 20)
    assert node.process_type == f"chains:SlowCount@{folder.resolve()}"
    _running_with_steps_left(node)
    result = daemon.cli("daemon", "restart")
    assert result.returncode == 0, result.stderr
    (final,) = wait_terminated([node], timeout=180)
    assert final.is_finished_ok, final.exit_message + daemon.logs()[-3000:]
    assert final.outputs.count.value == 20


def test_a_class_no_other_interpreter_can_import_is_refused_at_submit(daemon) -> None:
    code = textwrap.dedent(
        """
        import graphflow as gf
        from graphflow import WorkChain
        class Here(WorkChain):
            @classmethod
            def define(cls, spec):
                super().define(spec)
                spec.outline(cls.go)
            def go(self):
                pass
        try:
            gf.submit(Here)
        except gf.errors.ProcessError as exc:
            print("REFUSED", exc)
        print(gf.cypher("MATCH (p:WorkChain {process_label: 'Here'}) RETURN count(p) AS n"))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=daemon.env(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "REFUSED Here cannot be submitted" in done.stdout
    assert "interactive session" in done.stdout
    assert "[{'n': 0}]" in done.stdout  # nothing was stored


def test_a_script_that_submits_when_imported_fails_its_process_instead_of_submitting_again(
    daemon, tmp_path: Path
) -> None:
    """Without the ``__main__`` guard, every worker that imports the script to continue
    its process would submit another one; the import refuses, the process says why."""
    folder = _project(tmp_path, {"noguard.py": CHAIN + "\nprint(submit(SlowCount, n=Int(2)).pk)\n"})
    node = _launch(daemon, folder, "noguard.py", 0)
    (final,) = wait_terminated([node], timeout=120)
    assert final.process_state.value == "excepted"
    assert "launches SlowCount when it is imported" in final.exit_message
    assert 'if __name__ == "__main__"' in final.exit_message
    (row,) = gf.cypher(
        "MATCH (p:WorkChain {process_type: $t}) RETURN count(p) AS n", t=final.process_type
    )
    assert row["n"] == 1


def test_a_script_read_from_stdin_cannot_be_submitted(daemon, tmp_path: Path) -> None:
    folder = _project(tmp_path, {"piped.py": LAUNCH_SCRIPT})
    done = subprocess.run(
        [sys.executable, "-", "3"],
        stdin=(folder / "piped.py").open(),
        cwd=folder,
        env={**daemon.env(), "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "SlowCount cannot be submitted" in done.stderr
    assert "interactive session" in done.stderr
