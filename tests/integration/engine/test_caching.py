"""Caching on the real store (issue 26, item 2): a calcfunction whose hash matches a
finished one is served from it, with its provenance saying so; what AiiDA never takes as
a source (a failed calculation, one marked invalid, a workflow, one whose files are gone)
is not one here either."""

from __future__ import annotations

import itertools
import json
import random
import re
from typing import Any

import pytest
from click.testing import CliRunner

import graphflow as gf
from graphflow import _loop
from graphflow.cli._root import cli
from graphflow.orm import get_backend, to_node

pytestmark = pytest.mark.usefixtures("backend")

#: how many times each body really ran
ran: dict[str, int] = {}
#: values no other test (or earlier run on this store) has used
_fresh = itertools.count(random.randrange(10**12, 10**15))


def fresh() -> int:
    return next(_fresh)


def _ran(name: str) -> None:
    ran[name] = ran.get(name, 0) + 1


@gf.calcfunction
def add(a: gf.Int, b: gf.Int) -> gf.Int:
    _ran("add")
    return a + b


@gf.calcfunction
def split(x: gf.Int) -> dict[str, Any]:
    _ran("split")
    return {"half": gf.Int(x.value // 2), "parts.rest": gf.Int(x.value % 2)}


@gf.calcfunction
def checked(x: gf.Int) -> Any:
    _ran("checked")
    if x.value < 0:
        return gf.ExitCode(310, "negative input")
    return gf.Int(x.value)


@gf.calcfunction
def written(x: gf.Int) -> gf.SinglefileData:
    _ran("written")
    import io

    return gf.SinglefileData(io.BytesIO(str(x.value).encode()), filename="x.txt")


@gf.workfunction
def chain(a: gf.Int, b: gf.Int) -> gf.Int:
    _ran("chain")
    return add(a, b)


def runs(name: str, call: Any) -> tuple[Any, Any, int]:
    """(result, node, how many times the body ran) of one call."""
    before = ran.get(name, 0)
    result, node = call()
    return result, node, ran.get(name, 0) - before


def test_without_caching_each_call_runs_and_gets_the_same_hash() -> None:
    a, b = fresh(), fresh()
    _, first, count1 = runs("add", lambda: add.run_get_node(a, b))
    _, second, count2 = runs("add", lambda: add.run_get_node(a, b))
    assert (count1, count2) == (1, 1)
    assert first.get_hash() == second.get_hash() is not None
    assert not second.is_created_from_cache
    # the hash is the stored, indexed property that caching looks up
    (row,) = gf.cypher("MATCH (c:Node {uuid: $u}) RETURN c.hash AS h", u=first.uuid)
    assert row["h"] == first.get_hash()
    assert add.run_get_node(a, b + 1)[1].get_hash() != first.get_hash()


def test_a_cached_call_copies_the_outputs_and_says_where_from() -> None:
    a, b = fresh(), fresh()
    with gf.enable_caching():
        result1, first, count1 = runs("add", lambda: add.run_get_node(a, b))
        result2, second, count2 = runs("add", lambda: add.run_get_node(a, b))
    assert (count1, count2) == (1, 0)
    assert result2 == result1 == a + b
    assert result2.uuid != result1.uuid
    assert result2.is_stored
    assert second.is_finished_ok
    assert second.uuid != first.uuid
    assert second.base.caching.get_cache_source() == first.uuid
    assert second.base.caching.is_created_from_cache
    assert not first.is_created_from_cache
    # provenance: the copy was created by the cached calculation, from its own inputs
    rows = gf.cypher(
        "MATCH (c:CalcFunction {uuid: $u}) OPTIONAL MATCH (c)-[o:CREATE]->(out) "
        "OPTIONAL MATCH (i)-[n:INPUT]->(c) "
        "RETURN c.cached_from AS source, collect(DISTINCT out.uuid) AS outs, "
        "collect(DISTINCT [n.label, i.value]) AS ins",
        u=second.uuid,
    )
    assert rows[0]["source"] == first.uuid
    assert rows[0]["outs"] == [result2.uuid]
    assert sorted(rows[0]["ins"]) == [["a", a], ["b", b]]
    # a loaded node says so too
    assert gf.load_node(second.pk).get_cache_source() == first.uuid


def test_nested_outputs_are_copied_under_their_labels() -> None:
    x = fresh()
    with gf.enable_caching():
        first = split(x)
        before = ran["split"]
        second = split(x)
    assert ran["split"] == before
    assert second["half"] == first["half"]
    assert second["parts"]["rest"] == first["parts"]["rest"]
    assert second["half"].uuid != first["half"].uuid


def test_a_failed_calculation_is_never_a_source() -> None:
    x = -fresh()
    with gf.enable_caching():
        _, first, count1 = runs("checked", lambda: checked.run_get_node(x))
        _, second, count2 = runs("checked", lambda: checked.run_get_node(x))
    assert first.exit_status == second.exit_status == 310
    assert (count1, count2) == (1, 1)
    assert not second.is_created_from_cache
    assert not first.is_valid_cache  # as AiiDA says of a failed calculation


def test_a_source_marked_invalid_is_passed_over() -> None:
    a, b = fresh(), fresh()
    _, first, _ = runs("add", lambda: add.run_get_node(a, b))
    first.base.caching.is_valid_cache = False
    assert not gf.load_node(first.pk).is_valid_cache  # written
    with gf.enable_caching():
        _, second, count = runs("add", lambda: add.run_get_node(a, b))
        _, third, count3 = runs("add", lambda: add.run_get_node(a, b))
    assert count == 1
    assert not second.is_created_from_cache
    assert count3 == 0
    assert third.get_cache_source() == second.uuid
    with pytest.raises(TypeError, match="must be True or False"):
        first.is_valid_cache = "no"  # type: ignore[assignment]


def test_workflows_always_run() -> None:
    a, b = fresh(), fresh()
    with gf.enable_caching():
        chain(a, b)
        before_chain, before_add = ran["chain"], ran["add"]
        _, node = chain.run_get_node(a, b)
    assert ran["chain"] == before_chain + 1  # the workflow ran again
    assert ran["add"] == before_add  # the calculation it called was served from the cache
    assert node.get_hash() is None
    assert not node.is_created_from_cache
    assert not node.is_valid_cache
    (called,) = node.called
    assert called.is_created_from_cache


def test_caching_can_be_enabled_for_one_function_and_disabled_inside() -> None:
    a, b, x = fresh(), fresh(), fresh()
    add(a, b)
    split(x)
    with gf.enable_caching(identifier=add):
        _, _, add_count = runs("add", lambda: add.run_get_node(a, b))
        _, _, split_count = runs("split", lambda: split.run_get_node(x))
        with gf.disable_caching(identifier=add.process_class.process_type()):
            _, _, inner = runs("add", lambda: add.run_get_node(a, b))
    assert (add_count, split_count, inner) == (0, 1, 1)
    with gf.enable_caching(identifier="*test_caching:add"):  # the recorded folder aside
        assert runs("add", lambda: add.run_get_node(a, b))[2] == 0
    with pytest.raises(TypeError, match="neither a process type"), gf.enable_caching(identifier=42):
        pass


def test_a_source_whose_files_are_gone_is_passed_over() -> None:
    x = fresh()
    first = written(x)
    (key,) = first._repository_keys()
    backend = _loop.call(get_backend())
    backend.repository._object_path(key).unlink()
    with gf.enable_caching():
        _, _, count = runs("written", lambda: written.run_get_node(x))
        second, node, again = runs("written", lambda: written.run_get_node(x))
    assert count == 1  # ran, and stored the file again
    assert again == 0
    assert node.is_created_from_cache
    assert second.get_content() == str(x)


class Doubler(gf.WorkChain):
    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.input("a", valid_type=gf.Int)
        spec.output("sum", valid_type=gf.Int)
        spec.outline(cls.step)

    def step(self) -> None:
        self.out("sum", add(self.inputs.a, self.inputs.a))


def test_a_calculation_in_a_work_chain_step_is_served_from_an_earlier_run() -> None:
    """A source is a calculation the store holds: steps commit as a group, so the one an
    earlier run made serves a later one (not yet the same step's, see README)."""
    a = fresh()
    before = ran.get("add", 0)
    with gf.enable_caching(identifier=add):
        first = gf.run_get_node(Doubler, a=gf.Int(a))[1]
        result, second = gf.run_get_node(Doubler, a=gf.Int(a))
    assert ran["add"] == before + 1
    assert result["sum"] == 2 * a
    ((made,), (copied,)) = first.called, second.called
    assert copied.get_cache_source() == made.uuid
    assert not second.is_created_from_cache  # the work chain itself ran


def test_node_show_says_where_from_and_rehash_restores_lost_hashes() -> None:
    a, b = fresh(), fresh()
    with gf.enable_caching():
        result1, first = add.run_get_node(a, b)
        second = add.run_get_node(a, b)[1]
    (shown,) = json.loads(
        CliRunner().invoke(cli, ["node", "show", str(second.pk), "--json"]).stdout
    )
    assert shown["cached_from"] == first.uuid
    assert shown["hash"] == first.get_hash()
    assert shown["is_valid_cache"] is True
    table = CliRunner().invoke(cli, ["node", "show", str(second.pk)]).output
    assert "cached from" in table
    assert first.uuid in table
    # hashes lost, as on nodes stored before graphflow hashed them: no source is found
    store = _loop.call(get_backend()).store
    forget = "MATCH (n:Node) WHERE n.uuid IN $u SET n.hash = null"
    _loop.call(store.run_adhoc_write(forget, {"u": [first.uuid, result1.uuid, second.uuid]}))
    everything = CliRunner().invoke(cli, ["node", "rehash"])
    assert everything.exit_code == 0, everything.output
    changed = re.search(
        r"(\d+) data node\(s\) and (\d+) calculation\(s\) changed", everything.output
    )
    assert changed is not None
    assert int(changed.group(1)) >= 1  # the result
    assert int(changed.group(2)) >= 2  # both calculations
    assert gf.load_node(first.pk).get_hash() == first.get_hash()
    assert gf.load_node(result1.pk)._hash == result1.get_hash()
    one = CliRunner().invoke(cli, ["node", "rehash", str(first.pk)])
    assert one.output.strip() == f"CalcFunction {first.pk}: hash {first.get_hash()}, unchanged."
    with gf.enable_caching():
        assert runs("add", lambda: add.run_get_node(a, b))[2] == 0


@gf.calcfunction
def echo(x: gf.Data) -> gf.Data:
    _ran("echo")
    return x.clone()


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), float("-inf"), -0.0, 2**63, -(2**63) - 1, 10**100, "a\x00b"],
    ids=repr,
)
def test_values_at_the_edges_keep_their_hash_and_are_not_confused(value: Any) -> None:
    node = gf.Float(value) if isinstance(value, float) else to_node(value)
    node.store()
    loaded = gf.load_node(node.pk)
    assert loaded._hash == node.get_hash()  # as stored
    assert loaded.rehash() == node.get_hash()  # computed again from what the store holds
    # a twin with another edge value is not served this one's result
    with gf.enable_caching(identifier=echo):
        first = echo(node)
        before = ran["echo"]
        again = echo(gf.load_node(node.pk))
        other = echo(gf.Float(fresh() + 0.5) if isinstance(value, float) else gf.Int(fresh()))
    assert ran["echo"] == before + 1  # only the other one ran
    assert repr(again.value) == repr(first.value) == repr(node.value)
    assert other.value != node.value


def plus_one(a: gf.Int) -> gf.Int:
    return gf.Int(a.value + 1)


def plus_two(a: gf.Int) -> gf.Int:
    return gf.Int(a.value + 2)


def test_a_changed_body_is_not_served_the_old_result() -> None:
    """The same function name, edited (two bodies made to share one process type): the
    digest of the source is an attribute, so the hashes differ, as in AiiDA (which
    hashes the source file)."""
    before, after = gf.calcfunction(plus_one), gf.calcfunction(plus_two)
    process_type = before.process_class.process_type()
    after.process_class.process_type = classmethod(lambda cls: process_type)  # type: ignore[method-assign,assignment]
    x = fresh()
    with gf.enable_caching():
        first = before.run_get_node(x)[1]
        result, second = after.run_get_node(x)
    assert second.process_type == first.process_type
    assert not second.is_created_from_cache
    assert result.value == x + 2
    assert first.attributes["source_digest"] != second.attributes["source_digest"]
