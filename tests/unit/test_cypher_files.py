"""Every Cypher file in cypher/ must be valid Neo4j 5 Cypher.

Checked with Neo4j's own Cypher parser and semantic analysis, from the npm
package @neo4j-cypher/language-support run with the machine's Node.js, through
tests/tools/cypher_lint/lint.mjs (one node process for all files). The tool is
installed by scripts/install_cypher_lint.sh; without it these tests fail.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CYPHER_DIR = REPO / "cypher"
TOOL_DIR = REPO / "tests" / "tools" / "cypher_lint"
LINT = TOOL_DIR / "lint.mjs"
SAMPLES = TOOL_DIR / "samples"
INSTALLED_MARKER = (
    TOOL_DIR / "node_modules" / "@neo4j-cypher" / "language-support" / "dist" / "cjs" / "index.cjs"
)
INSTALL_HINT = "run scripts/install_cypher_lint.sh"

pytestmark = pytest.mark.slow


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            f"node (Node.js >= 18.18.2) is not on PATH, so the Cypher files cannot be "
            f"checked: install Node.js and {INSTALL_HINT}",
            pytrace=False,
        )
    if not INSTALLED_MARKER.is_file():
        pytest.fail(
            f"the Cypher linter is not installed ({INSTALLED_MARKER.relative_to(REPO)} "
            f"is missing): {INSTALL_HINT}",
            pytrace=False,
        )
    return node


def run_lint(files: list[Path], cwd: Path = REPO) -> dict[str, dict[str, Any]]:
    """Lint all files in one node process; results keyed by the path as passed."""
    node = _node()
    args = [str(f.relative_to(cwd)) if f.is_relative_to(cwd) else str(f) for f in files]
    proc = subprocess.run(
        [node, str(LINT), "--", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode not in (0, 1):
        pytest.fail(
            f"the Cypher linter failed (exit {proc.returncode}):\n{proc.stderr}{proc.stdout}\n"
            f"If it is not installed: {INSTALL_HINT}",
            pytrace=False,
        )
    results: dict[str, dict[str, Any]] = {}
    for line in proc.stdout.splitlines():
        result = json.loads(line)
        results[result["file"]] = result
    assert sorted(results) == sorted(args), f"linter output does not cover every file:\n{proc}"
    has_errors = any(r["errors"] for r in results.values())
    assert proc.returncode == (1 if has_errors else 0), f"exit status disagrees:\n{proc}"
    return results


def _format(result: dict[str, Any]) -> str:
    return "\n".join(
        f"  {result['file']}:{e['line']}:{e['column']}: {e['message']}" for e in result["errors"]
    )


def test_every_cypher_file_is_valid_neo4j5_cypher() -> None:
    files = sorted(CYPHER_DIR.rglob("*.cypher"))
    if not files:
        pytest.fail(
            f"{CYPHER_DIR.relative_to(REPO)}/ holds no *.cypher file: nothing was checked",
            pytrace=False,
        )

    results = run_lint(files)

    bad = [r for r in results.values() if r["errors"]]
    if bad:
        pytest.fail(
            f"{len(bad)} of {len(files)} Cypher files are not valid Neo4j 5 Cypher "
            "(checked by Neo4j's parser, tests/tools/cypher_lint/lint.mjs):\n"
            + "\n".join(_format(r) for r in bad),
            pytrace=False,
        )


def test_linter_flags_exactly_the_broken_file(tmp_path: Path) -> None:
    header = "// name: {name}\n// params: uuid\n// returns: n\n"
    good = tmp_path / "good.cypher"
    good.write_text(header.format(name="good") + "MATCH (n:Node {uuid: $uuid})\nRETURN n\n")
    broken = tmp_path / "broken.cypher"
    broken.write_text(
        header.format(name="broken") + "MATCH (n:Node {uuid: $uuid})\nMATCH (n RETURN n\n"
    )

    results = run_lint([good, broken], cwd=tmp_path)

    assert results["good.cypher"]["errors"] == []
    errors = results["broken.cypher"]["errors"]
    assert errors, "the linter accepted `MATCH (n RETURN n`"
    # The statement `MATCH (n RETURN n` is on line 5; RETURN starts at column 10.
    assert (errors[0]["line"], errors[0]["column"]) == (5, 10), errors
    assert "RETURN" in errors[0]["message"]


def test_linter_agrees_with_neo4j_on_samples() -> None:
    valid = sorted((SAMPLES / "valid").glob("*.cypher"))
    invalid = sorted((SAMPLES / "invalid").glob("*.cypher"))
    assert valid, "no sample in samples/valid"
    assert invalid, "no sample in samples/invalid"

    results = run_lint(valid + invalid)

    def result(f: Path) -> dict[str, Any]:
        return results[str(f.relative_to(REPO))]

    rejected_valid = [_format(result(f)) for f in valid if result(f)["errors"]]
    accepted_invalid = [f.name for f in invalid if not result(f)["errors"]]
    assert not rejected_valid, "valid samples rejected:\n" + "\n".join(rejected_valid)
    assert not accepted_invalid, f"invalid samples accepted: {accepted_invalid}"
    for f in invalid:
        for error in result(f)["errors"]:
            assert isinstance(error["line"], int), (f.name, error)
            assert isinstance(error["column"], int), (f.name, error)
