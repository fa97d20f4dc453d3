"""Every Cypher statement graphflow runs, loaded by name from the ``cypher/`` files.

Each file holds one parameterised statement and a header of ``//`` lines::

    // name: orm.create_links_input
    // mode: write
    // params: rows: list<{src: string, dst: string, label: string}>
    // returns: nothing
    // relies on: constraint node_uuid_unique

The name must match the file's path (``cypher/orm/create_links_input.cypher``), and
``mode`` is ``read``, ``write`` or ``schema``. The store accepts only :class:`CypherQuery`
objects made here, so no query text is ever assembled from values; ad-hoc statements typed
by users go through :func:`graphflow.store.find_write_clause` and a read transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from graphflow.errors import QueryError

__all__ = ["CypherQuery", "all_queries", "cypher_directory", "query"]

QueryMode = Literal["read", "write", "schema"]
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_MODES: dict[str, QueryMode] = {"read": "read", "write": "write", "schema": "schema"}
_HEADER = re.compile(r"^//\s*([a-z ]+):\s*(.*)$")


@dataclass(frozen=True, slots=True)
class CypherQuery:
    """A named statement from ``cypher/``; ``params`` are the ``$names`` it uses."""

    name: str
    text: str
    mode: QueryMode
    params: frozenset[str]
    path: Path

    def __repr__(self) -> str:
        return f"CypherQuery({self.name!r})"


def cypher_directory() -> Path:
    """The folder of query files: the checkout's ``cypher/``, or the installed copy."""
    package = Path(__file__).resolve().parent.parent
    checkout = package.parent / "cypher"
    if checkout.is_dir():
        return checkout
    installed = package / "_cypher"
    if installed.is_dir():
        return installed
    raise QueryError(f"no Cypher query folder found at {checkout} or {installed}")


def _parse(path: Path, root: Path) -> CypherQuery:
    expected = ".".join(path.relative_to(root).with_suffix("").parts)
    header: dict[str, str] = {}
    body: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _HEADER.match(line.strip()) if not body else None
        if match:
            header[match.group(1).strip()] = match.group(2).strip()
        elif line.strip().startswith("//") and not body:
            continue
        elif line.strip() or body:
            body.append(line)
    text = "\n".join(body).strip()
    name = header.get("name")
    if name != expected:
        raise QueryError(f"{path}: header names the query {name!r}, its path says {expected!r}")
    mode = _MODES.get(header.get("mode", ""))
    if mode is None:
        raise QueryError(
            f"{path}: header 'mode' is {header.get('mode')!r}, expected read, write or schema"
        )
    if not text:
        raise QueryError(f"{path}: no statement after the header")
    return CypherQuery(
        name=name,
        text=text,
        mode=mode,
        params=frozenset(_PARAM.findall(text)),
        path=path,
    )


@cache
def all_queries() -> dict[str, CypherQuery]:
    """Every query by name, parsed once per interpreter."""
    root = cypher_directory()
    queries = {}
    for path in sorted(root.rglob("*.cypher")):
        parsed = _parse(path, root)
        queries[parsed.name] = parsed
    return queries


def query(name: str) -> CypherQuery:
    """The query called ``name``; an unknown name is a programming error and says so."""
    try:
        return all_queries()[name]
    except KeyError:
        raise QueryError(f"no Cypher query named {name!r} in {cypher_directory()}") from None
