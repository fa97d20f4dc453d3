"""Ctrl-C during ``run()`` and ``graphflow run``, as a person at a terminal sends it.

The first SIGINT kills the process tree (state ``killed``, one line on stderr, exit status
130); a second one exits at once, and ``graphflow process resume`` finishes the work.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from support.ctrl_c import interrupt_once_started

import graphflow as gf

pytestmark = pytest.mark.usefixtures("backend")

GRAPHFLOW = str(Path(sys.executable).parent / "graphflow")

SCRIPT = """
import sys, time
from pathlib import Path
from graphflow import Float, Int, Str, WorkChain, calcfunction, run, while_

@calcfunction
def add_one(x):
    return x + 1

class Inner(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("step", valid_type=Float)
        spec.outline(cls.wait)
    def wait(self):
        time.sleep(self.inputs.step.value)

class Ten(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("marker", valid_type=Str)
        spec.input("step", valid_type=Float)
        spec.output("count", valid_type=Int)
        spec.outline(cls.start, while_(cls.more)(cls.tick), cls.done)
    def start(self):
        self.ctx.i = 0
    def more(self):
        return self.ctx.i < 10
    def tick(self):
        Path(self.inputs.marker.value).touch()
        time.sleep(self.inputs.step.value)
        self.ctx.last = add_one(Int(self.ctx.i))
        if self.ctx.i % 3 == 1:
            run(Inner, step=self.inputs.step)  # a child the step runs and waits for
        self.ctx.i += 1
    def done(self):
        self.out("count", self.ctx.last)

if __name__ == "__main__":
    marker, tag, step = sys.argv[1:4]
    result = run(Ten, marker=Str(marker), step=Float(float(step)), metadata={"label": tag})
    print(result["count"].value)
"""


def _interrupt(
    tmp_path: Path, *, how: list[str], delay: float, signals: int = 1, step: float = 0.5
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Start ``how`` + the script, wait for its first step, then send SIGINT(s)."""
    script = tmp_path / "ten.py"
    script.write_text(textwrap.dedent(SCRIPT))
    marker = tmp_path / "started"
    tag = f"interrupt-{uuid.uuid4().hex[:8]}"
    done, _ = interrupt_once_started(
        [*how, str(script), str(marker), tag, str(step)], marker, delay=delay, signals=signals
    )
    return done, tag


def _tree(tag: str) -> tuple[gf.ProcessNode, list[gf.ProcessNode]]:
    (row,) = gf.cypher("MATCH (p:WorkChain {label: $tag}) RETURN p.pk AS pk", tag=tag)
    node = gf.load_node(row["pk"])
    rows = gf.cypher(
        "MATCH (:WorkChain {label: $tag})-[:CALL*]->(c:Process) RETURN c.pk AS pk", tag=tag
    )
    return node, [gf.load_node(r["pk"]) for r in rows]


@pytest.mark.parametrize("delay", sorted(random.Random(20).uniform(0, 3) for _ in range(3)))
def test_one_sigint_to_graphflow_run_kills_the_tree_with_one_line_and_status_130(
    tmp_path: Path, delay: float
) -> None:
    done, tag = _interrupt(tmp_path, how=[GRAPHFLOW, "run"], delay=delay)
    assert done.returncode == 130, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Interrupted: killing")
    node, children = _tree(tag)
    assert node.process_state.value == "killed"
    assert node.exit_message == "interrupted by the user (Ctrl-C)"
    assert node.checkpoint is None
    assert children, "the first step's child ran before the interrupt"
    for child in children:  # nothing left running: finished before, or killed with it
        assert child.is_terminated, child
        assert child.process_state.value in {"finished", "killed"}


def test_one_sigint_to_a_python_script_is_a_keyboard_interrupt_after_the_kill(
    tmp_path: Path,
) -> None:
    done, tag = _interrupt(tmp_path, how=[sys.executable], delay=0.3)
    assert done.returncode == -signal.SIGINT  # Python's own exit for Ctrl-C: 130 in a shell
    assert done.stderr.count("Traceback") == 1
    assert "graphflow/engine/_runner.py" not in done.stderr
    assert done.stderr.strip().endswith("was killed: interrupted by the user (Ctrl-C)")
    node, _ = _tree(tag)
    assert node.process_state.value == "killed"


def test_a_second_sigint_exits_at_once_and_resume_finishes_the_work(tmp_path: Path) -> None:
    started = time.monotonic()
    done, tag = _interrupt(tmp_path, how=[GRAPHFLOW, "run"], delay=0.1, signals=2, step=3)
    assert time.monotonic() - started < 20
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert "graphflow process resume" in done.stderr.splitlines()[-1]
    node, _ = _tree(tag)
    assert not node.is_terminated
    resumed = subprocess.run(
        [GRAPHFLOW, "process", "resume", str(node.pk)], capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    deadline = time.monotonic() + 120
    while not (node := gf.load_node(node.pk)).is_terminated:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert node.is_finished_ok, node.exit_message
    assert node.outputs.count.value == 10
    assert len(node.called) >= 10  # the steps after the interrupt ran too
