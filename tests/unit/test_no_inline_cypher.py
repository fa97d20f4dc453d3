"""DESIGN decision 3: every Cypher statement the code runs lives in cypher/, loaded by name.

A string constant in graphflow/ that reads as a Cypher statement is a statement that
escaped the linter, the parameter check and the reviewers of cypher/."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "graphflow"
STATEMENT = re.compile(
    r"^\s*(MATCH|OPTIONAL MATCH|RETURN|CREATE|MERGE|UNWIND)\s+[\w($`{:\[]",
    re.MULTILINE,
)


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _statements(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    skip = _docstrings(tree)
    return [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and STATEMENT.match(node.value)
    ]


def test_no_cypher_statement_is_written_in_python() -> None:
    found = [line for path in sorted(PACKAGE.rglob("*.py")) for line in _statements(path)]
    assert not found, "Cypher outside cypher/:\n" + "\n".join(found)
