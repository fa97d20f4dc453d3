"""The read-only text check against Neo4j's own planner (issue 21).

``EXPLAIN`` makes Neo4j parse and plan a statement without running it, and its summary
says whether the statement reads (``r``), writes (``rw``, ``w``) or changes the schema
(``s``). Whatever Neo4j says writes, the check must refuse; what is built only of reads,
it must let through. Hypothesis spells the statements in many ways: nested in
subqueries, after a UNION, with comments between the words, in any case, with
back-quoted and spaced procedure names.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import neo4j
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neo4j.exceptions import ClientError

from graphflow.store import find_write_clause

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.neo4j_only

READS = [
    "MATCH (n:Node) RETURN n.uuid AS u LIMIT 1",
    "MATCH (n)-[r:INPUT|CREATE*1..2]->(m) WHERE n.label STARTS WITH 'set' RETURN count(*) AS c",
    "UNWIND [1, 2] AS x RETURN x * 2 AS y ORDER BY y DESC SKIP 0 LIMIT 1",
    "MATCH (n) RETURN n {.label, delete: 1} AS m",
    "CALL db.labels() YIELD label RETURN label",
    "MATCH (n) WHERE EXISTS { MATCH (n)-->() } RETURN n.set AS s",
    "MATCH (n) WITH n, COUNT { (n)-->() } AS k WHERE k > 0 RETURN k",
    "RETURN CASE WHEN true THEN {a: 1} ELSE {b: 2} END AS v",
    "MATCH (n:Create) RETURN n",
    "MATCH p = (a)-[:CALL]->(b) RETURN length(p) AS l",
    "MATCH (n) RETURN *",
    "MATCH (n) OPTIONAL MATCH (n)-[:INPUT]->(m) RETURN n, m",
    "CALL { MATCH (n) RETURN n } RETURN n",
    "MATCH (n) CALL (n) { RETURN n.x AS x } RETURN x",
    "RETURN [x IN range(1, 3) WHERE x > 1 | x] AS l",
    "MATCH (n) WHERE n.x IS :: INTEGER NOT NULL RETURN n",
    "MATCH (n:Data&!Delete) WHERE n.description = 'DETACH DELETE n' RETURN n",
    "MATCH (n) WITH n ORDER BY n.ctime DESC LIMIT 5 RETURN collect(n.pk) AS pks",
    "MATCH (n) RETURN n.set AS set, n.`merge` AS `merge`",
]

WRITES = [
    "CREATE (:Evil)",
    "INSERT (:Evil)",
    "MATCH (n:Int) SET n.value = -1",
    "MERGE (:Evil {k: 1})",
    "MATCH (n:Evil) DETACH DELETE n",
    "MATCH (n:Int) REMOVE n.value",
    "MATCH (n:Int) SET n:Evil",
    "MATCH (n) FOREACH (x IN [1] | SET n.v = x)",
    "CALL db.createLabel('Evil')",
    "CALL db.createProperty('evil')",
    "CALL db.createRelationshipType('EVIL')",
    "CREATE INDEX evil IF NOT EXISTS FOR (n:Evil) ON (n.k)",
]

#: ways a write hides inside an otherwise reading statement
WRAPPERS = [
    "{w}",
    "CALL {{ {w} }} RETURN 1 AS a",
    "MATCH (m) CALL (m) {{ {w} }} RETURN 1 AS a",
    "MATCH (q) WITH q LIMIT 1 {w}",
    "MATCH (a) RETURN 1 AS a UNION {w} RETURN 1 AS a",
    "MATCH (n) WHERE n.x IS NULL WITH * {w}",
    "UNWIND [1] AS x WITH x ORDER BY x DESC {w}",
    "/* read */ {w} // only reading",
    "WITH 1 AS where {w}",
    "OPTIONAL MATCH (where) WITH where LIMIT 1 {w}",
]


@pytest.fixture(scope="module")
def session() -> Iterator[Any]:
    password = Path(os.environ["GRAPHFLOW_TEST_NEO4J_PASSWORD_FILE"]).read_text().strip()
    with (
        neo4j.GraphDatabase.driver(
            os.environ["GRAPHFLOW_TEST_NEO4J_URI"], auth=("neo4j", password)
        ) as driver,
        driver.session() as opened,
    ):
        yield opened


def planned_type(session: Any, statement: str) -> str | None:
    """What Neo4j's planner says the statement does, or None if Neo4j refuses the text."""
    try:
        summary = session.run("EXPLAIN " + statement).consume()
    except ClientError:
        return None
    return str(summary.query_type)


@pytest.mark.parametrize("statement", READS)
def test_each_read_is_planned_as_a_read_and_allowed(session: Any, statement: str) -> None:
    assert planned_type(session, statement) == "r"
    assert find_write_clause(statement) is None


@pytest.mark.parametrize("wrapper", WRAPPERS)
@pytest.mark.parametrize("write", WRITES)
def test_each_write_the_planner_sees_is_refused(session: Any, write: str, wrapper: str) -> None:
    statement = wrapper.format(w=write)
    kind = planned_type(session, statement)
    if kind is None:
        # not every write fits every wrapper (a schema command is a statement of its
        # own): the check must still not let it through
        assert find_write_clause(statement) is not None, statement
        return
    assert kind != "r", statement
    assert find_write_clause(statement) is not None, statement


def _respell(statement: str, draw: Any) -> str:
    """The same statement with other spaces, comments and letter case between words
    (string literals are left alone: their spaces and case are their value)."""
    pieces = statement.split("'")
    for index in range(0, len(pieces), 2):  # outside string literals
        words = pieces[index].split(" ")
        gaps = [
            draw(st.sampled_from([" ", "  ", "\n", "\t", " /* x */ ", "\n// y\n"])) for _ in words
        ]
        if draw(st.booleans()):
            words = [w.lower() if "`" not in w else w for w in words]
        pieces[index] = "".join(w + g for w, g in zip(words, gaps, strict=True))[: -len(gaps[-1])]
    return "'".join(pieces)


@st.composite
def statements(draw: Any) -> tuple[str, bool]:
    """A statement and whether it was built only of reads."""
    if draw(st.booleans()):
        read = draw(st.sampled_from(READS))
        return _respell(read, draw), True
    write = draw(st.sampled_from(WRITES))
    wrapper = draw(st.sampled_from(WRAPPERS))
    return _respell(wrapper.format(w=write), draw), False


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(example=statements())
def test_the_check_agrees_with_the_planner_however_it_is_spelled(
    session: Any, example: tuple[str, bool]
) -> None:
    statement, only_reads = example
    kind = planned_type(session, statement)
    verdict = find_write_clause(statement)
    if kind is not None and kind != "r":
        assert verdict is not None, statement
    if only_reads:
        assert kind == "r", statement
        assert verdict is None, (statement, verdict)


@pytest.mark.parametrize(
    "procedure",
    ["`db`.`createLabel`", "db . createLabel", "`db` .`createLabel`", "DB.CREATELABEL"],
)
def test_a_writing_procedure_is_refused_however_it_is_quoted(session: Any, procedure: str) -> None:
    statement = f"CALL {procedure}('Evil')"
    kind = planned_type(session, statement)
    assert kind is None or kind != "r"
    assert find_write_clause(statement) == "CALL " + procedure.replace("`", "").replace(" ", "")
