"""What a new user does first, as the README tells it: the main job, the examples, the
walkthrough, then `graphflow status` and `graphflow node show` on what the job stored.

Each runs as the user runs it: the installed `graphflow` console script in a subprocess
on the suite's real embedded store."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support.stores import on_neo4j

pytestmark = pytest.mark.usefixtures("backend")

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
GRAPHFLOW = Path(sys.executable).parent / "graphflow"


def graphflow(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(GRAPHFLOW), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "120"},
    )
    assert result.returncode == 0, f"graphflow {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def test_the_main_job_shows_where_its_result_came_from() -> None:
    out = graphflow("run", "examples/main.py").stdout
    match = re.search(r"add_multiply\(1, 2, 3\) = 9, stored as node pk (\d+)", out)
    assert match, out
    assert "returned as 'result' by add_multiply (WorkFunction" in out
    assert "created as 'result' by multiply (CalcFunction" in out
    assert "created as 'result' by add (CalcFunction" in out
    assert "graphflow.cypher(" in out

    pk = match.group(1)
    shown = graphflow("node", "show", pk).stdout
    assert f"Int {pk}" in shown
    assert "multiply" in shown  # the incoming CREATE link names its creator
    status = graphflow("status").stdout
    assert ("running Neo4j" if on_neo4j() else "running embedded ArcadeDB") in status


@pytest.mark.parametrize(
    "script",
    sorted(p.name for p in EXAMPLES.glob("*.py") if p.name != "main.py"),
)
def test_every_example_runs(script: str) -> None:
    graphflow("run", f"examples/{script}")


def _python_blocks(markdown: str, section: str) -> str:
    """The ```python blocks of one ``## section`` of the README, in order."""
    start = markdown.index(f"\n## {section}\n")
    end = markdown.find("\n## ", start + 1)
    text = markdown[start : end if end != -1 else None]
    return "\n".join(re.findall(r"```python\n(.*?)```", text, re.DOTALL))


def test_the_readme_walkthrough_runs_as_written(tmp_path: Path) -> None:
    code = _python_blocks((ROOT / "README.md").read_text(), "Writing workflows")
    script = tmp_path / "walkthrough.py"
    script.write_text(code + "\nprint('ALL DONE', result['total'].value)\n")
    out = graphflow("run", str(script)).stdout
    assert re.search(r"^\d+ finished 10$", out, re.MULTILINE), out
    assert "add_all" in out  # the ancestry tree names the calculation that made the total
    assert "['SumTo', 'SumTo', 'SumTo', 'add', 'add', 'add', 'add', 'add', 'add', 'add_all']" in out
    assert out.rstrip().endswith("ALL DONE 10"), out
