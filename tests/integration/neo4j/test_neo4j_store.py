"""What only a Neo4j server shows: its version, and the paper's graph in its own terms.

Runs on the suite's Neo4j pass (``GRAPHFLOW_TEST_STORE=neo4j``, see
``tests/support/stores.py``), where the session's default profile is a real Neo4j 5.26
server; every other integration test runs there too.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import neo4j
import pytest

import graphflow as gf
from graphflow.errors import QueryTimeoutError, ReadOnlyQueryError
from graphflow.lineage import ancestors
from graphflow.store._queries import all_queries, query

if TYPE_CHECKING:
    from collections.abc import Iterator

    from graphflow.store import Store

pytestmark = pytest.mark.neo4j_only


@gf.calcfunction
def add(a: gf.Int, b: gf.Int) -> gf.Int:
    return a + b


@gf.calcfunction
def multiply(a: gf.Int, b: gf.Int) -> gf.Int:
    return a * b


@gf.workfunction
def add_multiply(x: gf.Int, y: gf.Int, z: gf.Int) -> gf.Int:
    return multiply(add(x, y), z)


def test_the_server_is_neo4j_5_26(backend: object) -> None:
    password = Path(os.environ["GRAPHFLOW_TEST_NEO4J_PASSWORD_FILE"]).read_text().strip()
    with neo4j.GraphDatabase.driver(
        os.environ["GRAPHFLOW_TEST_NEO4J_URI"], auth=("neo4j", password)
    ) as driver:
        records, _, _ = driver.execute_query("CALL dbms.components() YIELD name, versions")
    assert records[0]["name"] == "Neo4j Kernel"
    assert records[0]["versions"][0].startswith("5.26.")


def test_nodes_round_trip(backend: object) -> None:
    stored = [
        gf.Int(7).store(),
        gf.Float(2.5).store(),
        gf.Str("neo").store(),
        gf.Dict({"a": {"b": [1, 2]}}).store(),
        gf.List([1, "two", 3.0]).store(),
    ]
    for node in stored:
        loaded = gf.load_node(node.pk)
        assert loaded.uuid == node.uuid
        assert type(loaded) is type(node)
    assert gf.load_node(stored[3].uuid).get_dict() == {"a": {"b": [1, 2]}}


def test_listing8_leaves_the_papers_graph(backend: object) -> None:
    result, node = add_multiply.run_get_node(gf.Int(1), gf.Int(2), gf.Int(3))
    assert result.value == 9
    rows = gf.cypher(
        "MATCH (w:WorkFunction {uuid: $u})-[:CALL]->(c:CalcFunction) "
        "RETURN c.process_label AS label ORDER BY label",
        u=node.uuid,
    )
    assert [row["label"] for row in rows] == ["add", "multiply"]
    found = ancestors(result)
    assert sorted(n.value for n in found if isinstance(n, gf.Int)) == [1, 2, 3, 3]


@pytest.fixture
def driver(backend: object) -> Iterator[neo4j.Driver]:
    """A plain driver on the session's Neo4j, for what graphflow's own API hides."""
    password = Path(os.environ["GRAPHFLOW_TEST_NEO4J_PASSWORD_FILE"]).read_text().strip()
    with neo4j.GraphDatabase.driver(
        os.environ["GRAPHFLOW_TEST_NEO4J_URI"],
        auth=("neo4j", password),
        notifications_min_severity="OFF",
    ) as plain:
        yield plain


def test_two_runners_never_both_own_a_process(driver: neo4j.Driver) -> None:
    """Under read committed, the second claim waits for the first's lock, then sees the
    first owner and gets nothing (before the fix both claims returned the process)."""
    claim = query("engine.claim_process").text
    process = f"claim-{uuid.uuid4()}"
    driver.execute_query(
        "CREATE (:Node:Process {uuid: $u, pk: -1 - toInteger(rand() * 1e9)})", u=process
    )
    second: dict[str, object] = {}

    def claim_as_b() -> None:
        with driver.session() as session, session.begin_transaction() as tx:
            second["rows"] = tx.run(claim, uuid=process, previous=None, owner="B").data()
            tx.commit()

    with driver.session() as session:
        first = session.begin_transaction()
        assert first.run(claim, uuid=process, previous=None, owner="A").data() == [
            {"uuid": process}
        ]
        thread = threading.Thread(target=claim_as_b)
        thread.start()
        _wait_until_a_transaction_is_blocked(driver)
        first.commit()
        thread.join(timeout=60)
    assert not thread.is_alive()
    assert second["rows"] == []
    records, _, _ = driver.execute_query(
        "MATCH (p:Node {uuid: $u}) RETURN p.owner AS owner, keys(p) AS keys", u=process
    )
    assert records[0]["owner"] == "A"
    assert "_claim_lock" not in records[0]["keys"]


def _wait_until_a_transaction_is_blocked(driver: neo4j.Driver) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        records, _, _ = driver.execute_query("SHOW TRANSACTIONS YIELD status RETURN status")
        if any(str(r["status"]).startswith("Blocked") for r in records):
            return
        time.sleep(0.05)
    raise AssertionError("the second claim never waited for the first one's lock")


#: queries that read every node of a small label on purpose (computers, codes, groups), all of
#: the schema (the shell's completion of property keys), or every node (archive create --all)
MAY_SCAN = {
    "archive.every_node",
    "orm.find_codes",
    "orm.list_computers",
    "orm.list_groups",
    "shell.property_keys",
}
SCANS = ("NodeByLabelScan", "AllNodesScan")


def _operators(plan: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    """(operator, its children's operators) for every operator of an EXPLAIN plan."""
    children = plan.get("children", [])
    here = (_name(plan), tuple(_name(child) for child in children))
    return [here, *(op for child in children for op in _operators(child))]


def _name(plan: dict[str, Any]) -> str:
    return str(plan["operatorType"]).split("@")[0]  # "NodeIndexSeek@neo4j"


def test_lookups_use_the_indexes(driver: neo4j.Driver) -> None:
    """No query of graphflow's reads a whole label to find a node by uuid or pk: the hot
    paths (claim, load, ancestors, call tree, the writer) all seek the :Node indexes."""
    scanning = {}
    for name, statement in sorted(all_queries().items()):
        if name.startswith("schema.") or name in MAY_SCAN:
            continue
        with driver.session() as session:
            summary = session.run(
                "EXPLAIN " + statement.text, dict.fromkeys(statement.params)
            ).consume()
        operators = _operators(summary.plan)
        found = [op for op, _ in operators if op in SCANS]
        if found:
            scanning[name] = found
        if name == "shell.recent_nodes":  # the highest pk: the end of the index, not all of it
            assert ("Limit", ("NodeIndexScan",)) in operators, operators
    assert scanning == {}
    assert {"engine.claim_process", "orm.get_node_by_pk", "engine.call_tree"} <= set(all_queries())


def _store() -> Store:
    from graphflow import _loop
    from graphflow.orm import get_backend

    return _loop.call(get_backend()).store


def test_the_server_refuses_writes_the_text_check_did_not_see() -> None:
    """Statements from graphflow.cypher and the shell run in READ transactions, which Neo4j
    itself refuses to write in: a write past the text check changes nothing."""
    from graphflow import _loop

    store = _store()
    label = f"Sneaky{uuid.uuid4().hex[:8]}"
    for statement in (f"CREATE (:{label})", f"CALL db.createLabel('{label}')"):
        with pytest.raises(ReadOnlyQueryError, match="refused to change the graph"):
            _loop.call(store._run_adhoc(statement, {}, write=False, time_limit=30))
    labels = gf.cypher("CALL db.labels() YIELD label RETURN collect(label) AS all")
    assert label not in labels[0]["all"]


SLOW = "UNWIND range(1, 100000000) AS i WITH i WHERE i % 7 = 99 RETURN count(i) AS n"


def test_a_statement_past_its_time_limit_ends_on_the_server(driver: neo4j.Driver) -> None:
    from graphflow import _loop

    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match="did not finish within 2 s"):
        _loop.call(_store().run_readonly(SLOW, time_limit=2))
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 10
    while True:  # ended by the server, not left running after graphflow gave up
        records, _, _ = driver.execute_query(
            "SHOW TRANSACTIONS YIELD currentQuery RETURN collect(currentQuery) AS running"
        )
        if not any("range(1, 100000000)" in q for q in records[0]["running"]):
            break
        assert time.monotonic() < deadline, records[0]["running"]
        time.sleep(0.2)
