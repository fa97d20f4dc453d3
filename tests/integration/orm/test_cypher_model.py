"""A Dict's entries and every node's extras are properties Cypher filters on (issue 24,
item 4), on both stores: the README's three queries, extras that change, and the upgrade
of a store written before schema 4."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

import graphflow as gf
from graphflow.store import SCHEMA_VERSION, WriteBatch, query, setup_schema

pytestmark = pytest.mark.usefixtures("backend")


@gf.calcfunction
def relax(structure: gf.Dict) -> dict[str, gf.Dict]:
    a = structure["cell"]["a"]
    return {"result": gf.Dict({"energy": -10.0 - a, "cell": {"a": a * 0.99}, "converged": True})}


@gf.workfunction
def study(structure: gf.Dict) -> dict[str, gf.Dict]:
    return {"final": relax(structure)}  # one output "result": the node itself


def test_a_dict_is_found_by_its_entries_and_nested_entries() -> None:
    tag = uuid.uuid4().hex
    gf.Dict({"tag": tag, "energy": -12.5, "cell": {"a": 5.43}, "kpoints": [4, 4, 4]}).store()
    gf.Dict({"tag": tag, "energy": -3.0, "kpoints": [2, 2, 2]}).store()
    low = gf.cypher(
        "MATCH (d:Dict) WHERE d.tag = $t AND d.energy < -10 RETURN d.cell__a AS a, d.kpoints AS k",
        t=tag,
    )
    assert low == [{"a": 5.43, "k": [4, 4, 4]}]
    # "every Dict with key K"
    with_cell = gf.cypher(
        "MATCH (d:Dict) WHERE d.tag = $t AND d.cell__a IS NOT NULL RETURN count(d) AS n", t=tag
    )
    assert with_cell == [{"n": 1}]


def test_every_calculation_whose_output_energy_is_below_a_threshold() -> None:
    tag = uuid.uuid4().hex
    for a in (1.0, 5.0, 9.0):
        relax(gf.Dict({"tag": tag, "cell": {"a": a}}))
    rows = gf.cypher(
        "MATCH (s:Dict {tag: $t})-[:INPUT]->(c:CalcFunction)-[:CREATE]->(r:Dict) "
        "WHERE r.energy < -12 RETURN s.cell__a AS a, r.energy AS e ORDER BY a",
        t=tag,
    )
    assert rows == [{"a": 5.0, "e": -15.0}, {"a": 9.0, "e": -19.0}]


def test_the_newest_result_of_a_workflow() -> None:
    tag = uuid.uuid4().hex
    for a in (2.0, 3.0):
        study(gf.Dict({"tag": tag, "cell": {"a": a}}))
    rows = gf.cypher(
        "MATCH (s:Dict {tag: $t})-[:INPUT]->(w:WorkFunction {process_label: 'study'})"
        "-[:RETURN]->(r:Dict) RETURN r.energy AS e ORDER BY r.ctime DESC LIMIT 1",
        t=tag,
    )
    assert rows == [{"e": -13.0}]


def value_of(node: gf.Node, prop: str) -> Any:
    rows = gf.cypher(f"MATCH (n:Node {{uuid: $u}}) RETURN n.{prop} AS v", u=node.uuid)
    return rows[0]["v"]


def test_extras_follow_every_change() -> None:
    node = gf.Int(7).store()
    node.set_extra("scf", {"steps": 12, "converged": False})
    assert value_of(node, "extras__scf__steps") == 12
    node.set_extra("scf", "skipped")  # a mapping replaced by a string: no stale entries
    assert value_of(node, "extras__scf") == "skipped"
    assert value_of(node, "extras__scf__steps") is None
    node.set_extra("scf", [1.5, 2.5])
    assert value_of(node, "extras__scf") == [1.5, 2.5]
    node.set_extra("scf", None)  # JSON only: the property goes
    assert value_of(node, "extras__scf") is None
    node.set_extra("tag", "final")
    node.delete_extra("tag")
    assert value_of(node, "extras__tag") is None
    with pytest.raises(AttributeError, match="has no extra 'tag'"):
        node.delete_extra("tag")  # as AiiDA: a missing extra is an error
    assert gf.load_node(node.pk).extras == {"scf": None}


def test_an_extra_the_store_refuses_leaves_the_node_as_it_was() -> None:
    from graphflow.errors import NotStorableError

    node = gf.Int(8).store()
    node.set_extra("tag", "kept")
    with pytest.raises(NotStorableError, match="more than the"):
        node.set_extra("big", "y" * 5_000_000)  # past the 4 MiB a property holds
    assert node.extras == {"tag": "kept"}
    node.set_extra("next", 1)  # the refused value does not ride along with later changes
    assert gf.load_node(node.pk).extras == {"tag": "kept", "next": 1}
    assert value_of(node, "extras__next") == 1


def test_entries_set_before_storing_are_stored_with_the_node() -> None:
    node = gf.Dict({"energy": -1.0, "uuid": "not the node's", "label": "not the node's"})
    node.label = "relaxed"
    node.set_extra("group", "a")
    node.store()
    rows = gf.cypher(
        "MATCH (n:Node {uuid: $u}) RETURN n.energy AS e, n.label AS l, n.extras__group AS g",
        u=node.uuid,
    )
    assert rows == [{"e": -1.0, "l": "relaxed", "g": "a"}]
    loaded = gf.load_node(node.pk)
    assert loaded.get_dict() == {
        "energy": -1.0,
        "uuid": "not the node's",
        "label": "not the node's",
    }
    assert loaded.uuid == node.uuid


def test_a_store_written_before_schema_4_gets_its_entries_on_upgrade(aio: Any) -> None:
    from graphflow import _loop
    from graphflow.orm import get_backend

    backend = _loop.call(get_backend())
    old_dict = gf.Dict({"energy": -7.5, "cell": {"a": 3.0}}).store()
    old_extra = gf.Int(1).store()
    old_extra.set_extra("tag", "old")
    # what an older graphflow left: the JSON, and none of the entry properties
    batch = WriteBatch()
    batch.update(old_dict.uuid, {"energy": None, "cell__a": None})
    batch.update(old_extra.uuid, {"extras__tag": None})
    aio(backend.store.write_tx(batch.apply))
    assert value_of(old_dict, "energy") is None
    aio(backend.store.write(query("schema.set_version"), version=3))
    try:
        assert aio(setup_schema(backend.store)) is True
    finally:
        version = aio(backend.store.read(query("schema.get_version")))[0]["version"]
        if version != SCHEMA_VERSION:  # leave the session's store as the others expect it
            aio(backend.store.write(query("schema.set_version"), version=SCHEMA_VERSION))
    assert version == SCHEMA_VERSION
    assert value_of(old_dict, "energy") == -7.5
    assert value_of(old_dict, "cell__a") == 3.0
    assert value_of(old_extra, "extras__tag") == "old"


def test_the_shell_offers_a_dicts_entries_and_extras_for_completion(aio: Any) -> None:
    from graphflow import _loop
    from graphflow.orm import get_backend
    from graphflow.shell._refresher import fetch_metadata

    node = gf.Dict({"bandgap_ev": 1.1, "cell": {"alat": 5.4}})
    node.set_extra("campaign", "silicon")
    node.store()
    backend = _loop.call(get_backend())
    keys = aio(fetch_metadata(backend.store)).keys
    assert {"bandgap_ev", "cell__alat", "extras__campaign"} <= set(keys["Dict"])
