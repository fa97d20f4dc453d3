"""The store, the ORM and lineage on a real Neo4j server, when the suite is given one.

Neo4j cannot be installed on the machines this project is developed on (no registry they
reach ships its server), so these tests run only when ``GRAPHFLOW_TEST_NEO4J_URI`` names
a server (with ``GRAPHFLOW_TEST_NEO4J_USER`` and ``GRAPHFLOW_TEST_NEO4J_PASSWORD``); the
same code paths run against the embedded ArcadeDB in every other test. What they write
is removed at the end, by uuid.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

import pytest

import graphflow as gf
from graphflow import _loop, config
from graphflow.lineage import ancestors

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

URI = os.environ.get("GRAPHFLOW_TEST_NEO4J_URI")
NO_SERVER = "GRAPHFLOW_TEST_NEO4J_URI is not set: no Neo4j server was given to the suite"
pytestmark = pytest.mark.skipif(not URI, reason=NO_SERVER)  # opt-in: GRAPHFLOW_TEST_NEO4J_URI


@gf.calcfunction
def add(a: gf.Int, b: gf.Int) -> gf.Int:
    return a + b


@gf.calcfunction
def multiply(a: gf.Int, b: gf.Int) -> gf.Int:
    return a * b


@gf.workfunction
def add_multiply(x: gf.Int, y: gf.Int, z: gf.Int) -> gf.Int:
    return multiply(add(x, y), z)


@pytest.fixture(scope="module")
def neo4j_profile(
    graphflow_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, list[str]]]:
    from graphflow.orm import close_backends, load_profile

    secret = tmp_path_factory.mktemp("neo4j") / "password"
    secret.write_text(os.environ.get("GRAPHFLOW_TEST_NEO4J_PASSWORD", "") + "\n")
    name = f"neo4j-{uuid.uuid4().hex[:8]}"
    config.setup_profile(
        name,
        store_uri=URI,
        user=os.environ.get("GRAPHFLOW_TEST_NEO4J_USER", "neo4j"),
        password_file=secret,
        database=os.environ.get("GRAPHFLOW_TEST_NEO4J_DATABASE") or None,
    )
    load_profile(name)
    created: list[str] = []
    try:
        yield name, created
    finally:
        _cleanup(created)
        _loop.call(close_backends())
        load_profile("default")


def _cleanup(uuids: list[str]) -> None:
    from graphflow.orm import get_backend

    async def delete() -> None:
        store = (await get_backend()).store
        await store.run_adhoc_write(
            "UNWIND $uuids AS u MATCH (n:Node {uuid: u}) DETACH DELETE n", {"uuids": uuids}
        )

    if uuids:
        _loop.call(delete())


def test_nodes_round_trip(neo4j_profile: tuple[str, list[str]]) -> None:
    _, created = neo4j_profile
    stored = [
        gf.Int(7).store(),
        gf.Float(2.5).store(),
        gf.Str("neo").store(),
        gf.Dict({"a": {"b": [1, 2]}}).store(),
        gf.List([1, "two", 3.0]).store(),
    ]
    created += [node.uuid for node in stored]
    for node in stored:
        loaded = gf.load_node(node.pk)
        assert loaded.uuid == node.uuid
        assert type(loaded) is type(node)
    assert gf.load_node(stored[3].uuid).get_dict() == {"a": {"b": [1, 2]}}


def test_listing8_leaves_the_papers_graph(neo4j_profile: tuple[str, list[str]]) -> None:
    _, created = neo4j_profile
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
    created += [node.uuid, result.uuid, *(n.uuid for n in found)]
