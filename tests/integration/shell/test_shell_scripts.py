"""``graphflow shell -c`` / ``-f`` / piped input: scripts get results on stdout, errors on
stderr, and exit status 1 at the first error (nothing after it runs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import graphflow as gf

pytestmark = pytest.mark.usefixtures("backend")

EXECUTABLE = Path(sys.executable).parent / "graphflow"


def shell(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXECUTABLE), "shell", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TERM": "dumb"},
        check=False,
    )


def test_c_runs_statements_and_commands_and_prints_rows() -> None:
    node = gf.Int(1234).store()
    result = shell(
        "--format",
        "csv",
        "-c",
        f":param pk => {node.pk}\nMATCH (n:Int {{pk: $pk}}) RETURN n.value AS v;",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == ["v", "1234"]
    as_json = shell("--format", "json", "-c", "UNWIND [1, 2] AS i RETURN i, 'x' AS s;")
    assert json.loads(as_json.stdout) == [{"i": 1, "s": "x"}, {"i": 2, "s": "x"}]


def test_an_error_is_exit_status_1_and_stops_the_script(tmp_path: Path) -> None:
    bad = shell("-c", "MATCH (n RETURN n;")
    assert bad.returncode == 1
    assert "Syntax error" in bad.stderr or "Invalid input" in bad.stderr
    refused = shell("-c", "CREATE (n:ShellScriptTmp);")
    assert refused.returncode == 1
    assert "refused: the write clause CREATE" in refused.stderr
    script = tmp_path / "steps.cypher"
    script.write_text(
        "// a comment, then statements and commands\n"
        "RETURN 'first' AS step;\n"
        ":format csv\n"
        "RETURN 'second' AS step;\n"
        "RETURN nonsense(;\n"
        "RETURN 'never' AS step;\n"
    )
    result = shell("-f", str(script))
    assert result.returncode == 1
    assert "first" in result.stdout
    assert "second" in result.stdout
    assert "never" not in result.stdout
    assert "write mode needs a confirmation" in shell("-c", ":write on").stderr
    assert "did you mean :ancestors?" in shell("-c", ":ancestorz 1").stderr


def test_write_flag_allows_writes_and_piped_input_runs_too() -> None:
    created = shell(
        "--write", "-c", "CREATE (n:ShellScriptTmp {x: 1}) WITH n DELETE n RETURN 'done' AS w;"
    )
    assert created.returncode == 0, created.stderr
    assert "done" in created.stdout
    assert gf.cypher("MATCH (n:ShellScriptTmp) RETURN n") == []
    piped = shell("--format", "csv", stdin="RETURN 6 * 7 AS answer;\n")
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.split() == ["answer", "42"]


def test_a_script_shows_every_row_unless_limited() -> None:
    every = shell("--format", "csv", "-c", "UNWIND range(1, 2500) AS i RETURN i;")
    assert len(every.stdout.splitlines()) == 2501
    cut = shell("--format", "csv", "--limit", "10", "-c", "UNWIND range(1, 2500) AS i RETURN i;")
    assert len(cut.stdout.splitlines()) == 11
    assert "showing the first 10" in cut.stderr
