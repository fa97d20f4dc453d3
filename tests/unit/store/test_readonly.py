"""The lexical write-clause check used before user statements reach a server."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphflow.store import find_write_clause


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("CREATE (n:X)", "CREATE"),
        ("insert (n:X {a: 1})", "INSERT"),
        ("match (n) detach delete n", "DETACH DELETE"),
        ("MATCH (n) SET n.x = 1", "SET"),
        ("MERGE (n:X {a: 1})", "MERGE"),
        ("MATCH (n) REMOVE n:X", "REMOVE"),
        ("DROP INDEX x", "DROP"),
        ("LOAD CSV FROM 'file:///x' AS row RETURN row", "LOAD"),
        ("MATCH (n) FOREACH (x IN [1] | SET n.a = x)", "FOREACH"),
        ("CALL apoc.create.node(['X'], {})", "CALL apoc.create.node"),
        (
            "MATCH (n) CALL { WITH n RETURN n } IN TRANSACTIONS RETURN n",
            "CALL { ... } IN TRANSACTIONS",
        ),
    ],
)
def test_write_clauses_are_found(text: str, clause: str) -> None:
    assert find_write_clause(text) == clause


@pytest.mark.parametrize(
    "text",
    [
        "MATCH (n:Node) RETURN n",
        "MATCH (n) WHERE n.label = 'CREATE something' RETURN n",
        "MATCH (n) // DELETE n\nRETURN n",
        "MATCH (n) /* SET n.x = 1 */ RETURN n",
        "MATCH (n) RETURN n.set, n.`merge`",
        "MATCH (n:Create) RETURN n",
        "MATCH (n)<-[:INPUT|CREATE*]-(a) RETURN a",
        "MATCH (n:Data&!Delete) RETURN n",
        "RETURN {delete: 1} AS m",
        "CALL db.labels()",
        'MATCH (n) WHERE n.description = "he said \\"DELETE\\"" RETURN n',
    ],
)
def test_reads_are_allowed(text: str) -> None:
    assert find_write_clause(text) is None


@given(st.text())
def test_never_crashes(text: str) -> None:
    result = find_write_clause(text)
    assert result is None or isinstance(result, str)
