"""Read-only means read-only on the real stores: users' statements run as a user the
embedded server lets only read, and in READ transactions Neo4j refuses to write in, so
no spelling of a write gets through, with the text check or without it (issue 21). The
graph is compared before and after every attempt."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphflow as gf
from graphflow import _loop
from graphflow.errors import GraphflowError, ReadOnlyQueryError
from graphflow.orm import get_backend, load_profile

pytestmark = pytest.mark.usefixtures("backend")

#: the writes that got past the text check before (issue 21), and their relatives
BYPASSES = [
    "CALL `do`.`when`(true, 'MATCH (n:Int {uuid: $u}) SET n.value = -424242', {u: $u})",
    "CALL `do` . `when`(true, 'MATCH (n:Int {uuid: $u}) SET n.value = -1', {u: $u})",
    "CALL `merge`.`node`(['Int'], {uuid: 'evil'}) YIELD node RETURN node",
    "CALL `apoc`.`merge`.`node`(['Int'], {uuid: 'evil'}) YIELD node RETURN node",
    "CALL DO.WHEN(true, 'CREATE (:Evil)', {})",
    "MATCH (n:Int {uuid: $u}) SET n.value = 7",
    "MATCH (n:Int {uuid: $u}) CALL { WITH n SET n.value = 8 } RETURN 1",
    "MATCH (n:Int {uuid: $u}) FOREACH (x IN [1] | SET n.value = 9)",
    "CREATE (:Evil {at: 1})",
    "MATCH (n:Int {uuid: $u}) DETACH DELETE n",
]


def _store() -> Any:
    return _loop.call(get_backend(load_profile())).store


def _fingerprint(uuid: str) -> tuple[int, int, str]:
    """Node and link counts, and a digest of the sentinel's properties (as root)."""
    store = _store()

    async def read() -> tuple[int, int, str]:
        nodes = await store.run_adhoc_write("MATCH (n) RETURN count(n) AS c", {})
        links = await store.run_adhoc_write("MATCH ()-[r]->() RETURN count(r) AS c", {})
        sentinel = await store.run_adhoc_write(
            "MATCH (n {uuid: $u}) RETURN properties(n) AS p", {"u": uuid}
        )
        props = json.dumps([row["p"] for row in sentinel.rows], sort_keys=True, default=str)
        return nodes.rows[0]["c"], links.rows[0]["c"], hashlib.sha256(props.encode()).hexdigest()

    return _loop.call(read())


@pytest.fixture(scope="module")
def sentinel() -> str:
    return gf.Int(424).store().uuid


@pytest.mark.parametrize("statement", BYPASSES)
def test_a_write_is_refused_by_the_text_check_and_the_graph_is_unchanged(
    sentinel: str, statement: str
) -> None:
    before = _fingerprint(sentinel)
    with pytest.raises(ReadOnlyQueryError):
        gf.cypher(statement, u=sentinel)
    assert _fingerprint(sentinel) == before


@pytest.mark.parametrize("statement", BYPASSES)
def test_the_server_itself_refuses_the_write_when_the_text_check_is_skipped(
    sentinel: str, statement: str
) -> None:
    """The statement goes straight to the reader's transaction, as one the text check
    missed would: the server refuses it, or it runs in a transaction that is rolled back
    (a read-only statement is never committed); either way nothing changes."""
    before = _fingerprint(sentinel)
    store = _store()
    refused: GraphflowError | None = None
    try:
        _loop.call(store._run_adhoc(statement, {"u": sentinel}, write=False, time_limit=30))
    except GraphflowError as exc:
        refused = exc
    assert _fingerprint(sentinel) == before
    if refused is not None and not statement.upper().startswith("CALL"):
        # a clause the server refuses is reported as a refused write; a procedure's
        # refusal comes wrapped in the procedure's own error
        assert isinstance(refused, ReadOnlyQueryError), refused


@pytest.mark.arcadedb_only  # the embedded store's read-only user; Neo4j: READ transactions
def test_the_reader_cannot_commit_a_write_even_in_a_transaction_of_its_own(
    sentinel: str,
) -> None:
    """Past graphflow's own code: the reader's credentials, a write, a commit."""
    before = _fingerprint(sentinel)
    store = _store()

    async def commit_as_reader() -> None:
        driver = store._get_driver(reader=True)
        async with driver.session(database=store.database) as session:
            tx = await session.begin_transaction()
            await (await tx.run("MATCH (n:Int {uuid: $u}) SET n.value = 1", u=sentinel)).consume()
            await tx.commit()

    with pytest.raises(Exception, match=r"(?i)not allowed|forbidden"):
        _loop.call(commit_as_reader())
    assert _fingerprint(sentinel) == before


def test_reading_works_as_the_reader(sentinel: str) -> None:
    (row,) = gf.cypher("MATCH (n:Int {uuid: $u}) RETURN n.value AS v", u=sentinel)
    assert row == {"v": 424}
    assert gf.cypher("CALL db.labels() YIELD label RETURN count(label) AS c")[0]["c"] > 0


def _quoted(name: str, draw: Any) -> str:
    parts = []
    for part in name.split("."):
        case = draw(st.sampled_from([str.lower, str.upper, str.title, lambda s: s]))
        spelled = case(part)
        parts.append(f"`{spelled}`" if draw(st.booleans()) else spelled)
    dot = draw(st.sampled_from([".", " .", ". ", " . "]))
    return dot.join(parts)


@st.composite
def writes(draw: Any) -> str:
    """A write, spelled in one of many ways a text check might miss."""
    body = draw(
        st.sampled_from(
            [
                "MATCH (n:Int {uuid: $u}) SET n.value = -5",
                "MATCH (n:Int {uuid: $u}) REMOVE n.value",
                "MERGE (:Evil {k: 1})",
                "CREATE (:Evil)",
                "MATCH (n:Int {uuid: $u}) DETACH DELETE n",
            ]
        )
    )
    procedure = _quoted(
        draw(st.sampled_from(["do.when", "merge.node", "apoc.merge.node", "create.node"])),
        draw,
    )
    wrapped = draw(
        st.sampled_from(
            [
                body,
                f"CALL {{ {body} }} RETURN 1",
                f"MATCH (m:Int {{uuid: $u}}) CALL (m) {{ {body} }} RETURN 1",
                "MATCH (n:Int {uuid: $u}) FOREACH (x IN [1] | SET n.value = x)",
                f"CALL {procedure}(true, '{body}', {{u: $u}})",
                f"CALL {procedure}(['Evil'], {{k: 2}}) YIELD node RETURN node",
                f"MATCH (a) RETURN a LIMIT 1 UNION {body} RETURN 1 AS a",
                f"/* read */ {body} // only reading",
            ]
        )
    )
    return wrapped


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(statement=writes(), through_guard=st.booleans())
def test_no_spelling_of_a_write_changes_the_graph(
    sentinel: str, statement: str, through_guard: bool
) -> None:
    before = _fingerprint(sentinel)
    try:
        if through_guard:
            gf.cypher(statement, u=sentinel)
        else:
            store = _store()
            _loop.call(store._run_adhoc(statement, {"u": sentinel}, write=False, time_limit=30))
    except GraphflowError:
        pass  # refused (by the text check or by the server), or not valid Cypher
    assert _fingerprint(sentinel) == before, statement
