"""Every query file loads, is named after its path and declares a valid mode."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from graphflow.errors import QueryError
from graphflow.store import all_queries, cypher_directory, query
from graphflow.store._queries import _parse

if TYPE_CHECKING:
    from pathlib import Path


def test_every_file_loads_with_its_path_name() -> None:
    queries = all_queries()
    files = list(cypher_directory().rglob("*.cypher"))
    assert len(queries) == len(files) > 20
    for q in queries.values():
        assert q.path.stem == q.name.rsplit(".", 1)[1]
        assert q.mode in ("read", "write", "schema")
        assert "$" not in q.text or q.params


def test_params_are_extracted() -> None:
    assert query("store.reserve_pks").params == {"name", "count"}


def test_unknown_query_is_an_error() -> None:
    with pytest.raises(QueryError, match=r"no Cypher query named 'nope\.nothing'"):
        query("nope.nothing")


def test_header_must_match_path(tmp_path: Path) -> None:
    folder = tmp_path / "orm"
    folder.mkdir()
    path = folder / "thing.cypher"
    path.write_text("// name: orm.other\n// mode: read\nRETURN 1\n")
    with pytest.raises(QueryError, match=r"path says 'orm\.thing'"):
        _parse(path, tmp_path)
    path.write_text("// name: orm.thing\n// mode: maybe\nRETURN 1\n")
    with pytest.raises(QueryError, match="mode"):
        _parse(path, tmp_path)


def test_read_queries_contain_no_write_clause() -> None:
    from graphflow.store import find_write_clause

    for q in all_queries().values():
        if q.mode == "read":
            assert find_write_clause(q.text) is None, q.name
