"""Every fenced Python and shell block of the README runs as printed, in order, in a fresh
GRAPHFLOW_HOME (its own embedded store, so the pks the README shows are the ones made).

A block can say how it is run in an HTML comment just above its fence (invisible on the
rendered page): ``<!-- readme-test: continue -->`` (a Python block that goes on from the
one before, run as one script with it), ``<!-- readme-test: run: COMMAND -->`` (run
COMMAND instead: the quick start's install line), ``<!-- readme-test: skip: REASON -->``
(not run here; the reason says why and what tests it instead).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
_BLOCK = re.compile(
    r"(?:<!-- readme-test: (?P<directive>[^\n]*?) -->\n)?"
    r"^```(?P<lang>python|sh)\n(?P<body>.*?)^```",
    re.S | re.M,
)


@dataclass
class Step:
    line: int
    lang: str
    body: str
    skip: str | None = None


def _steps() -> list[Step]:
    text = README.read_text()
    steps: list[Step] = []
    for match in _BLOCK.finditer(text):
        line = text.count("\n", 0, match.start("lang")) + 1
        directive = (match.group("directive") or "").strip()
        body = match.group("body")
        if directive.startswith("skip:"):
            steps.append(Step(line, match.group("lang"), body, skip=directive[5:].strip()))
        elif directive.startswith("run:"):
            steps.append(Step(line, "sh", directive[4:].strip() + "\n"))
        elif directive == "continue":
            previous = steps[-1]
            assert previous.lang == "python", f"README line {line}: continues a non-Python block"
            previous.body += "\n" + body
        else:
            assert not directive, f"README line {line}: unknown readme-test directive {directive!r}"
            steps.append(Step(line, match.group("lang"), body))
    return steps


STEPS = _steps()
RUN = [step for step in STEPS if step.skip is None]


@pytest.fixture(scope="module")
def place() -> Iterator[dict[str, str]]:
    """A fresh GRAPHFLOW_HOME and HOME (``~/graphflow-work`` lands there); the store
    started in it is stopped at the end."""
    folder = Path(tempfile.mkdtemp(prefix="graphflow-readme-"))
    env = {
        **os.environ,
        "GRAPHFLOW_HOME": str(folder / "graphflow"),
        "HOME": str(folder / "home"),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    (folder / "home").mkdir()
    try:
        yield env
    finally:
        subprocess.run([str(BIN / "graphflow"), "store", "stop"], env=env, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("step", RUN, ids=[f"line{s.line}-{s.lang}" for s in RUN])
def test_the_block_runs_as_printed(step: Step, place: dict[str, str], tmp_path: Path) -> None:
    if step.lang == "python":
        script = tmp_path / f"readme_line{step.line}.py"
        script.write_text(step.body)
        command = [str(BIN / "graphflow"), "run", str(script)]
    else:
        command = ["bash", "-e", "-o", "pipefail", "-c", step.body]
    done = subprocess.run(
        command,
        cwd=ROOT,
        env=place,
        capture_output=True,
        text=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, (
        f"README line {step.line} ({step.lang}) failed:\n{done.stdout[-2000:]}\n"
        f"{done.stderr[-3000:]}"
    )


def test_every_block_is_run_or_says_why_not() -> None:
    assert len(STEPS) >= 10
    for step in STEPS:
        if step.skip is not None:
            assert len(step.skip) > 20, f"README line {step.line}: say why it is not run"


def test_every_script_that_defines_processes_launches_only_under_main() -> None:
    """A daemon worker may import the file that defines a process: a README script that
    defines one launches it only under ``if __name__ == "__main__":`` (issue 25)."""
    for step in STEPS:
        if step.lang != "python" or step.skip is not None:
            continue
        defines = re.search(
            r"^(class \w+\(|@(calc|work)function|@process_handler)", step.body, re.M
        )
        launches = re.search(r"^\S.*\b(run|run_get_node|submit)\(", step.body, re.M)
        assert not (defines and launches), (
            f"README line {step.line}: launch under if __name__ == '__main__': only"
        )
