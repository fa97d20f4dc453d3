"""Groups as AiiDA has them: named collections of stored nodes beside the provenance graph,
queryable in Cypher, managed from Python and from `graphflow group`."""

from __future__ import annotations

import datetime
import json

import pytest
from click.testing import CliRunner

import graphflow as gf
from graphflow.cli._root import cli
from graphflow.errors import NotExistentError, ValidationError
from graphflow.lineage import ancestors
from graphflow.orm import copy_group, delete_group, list_groups

pytestmark = pytest.mark.usefixtures("backend")


@gf.calcfunction
def add(a: gf.Int, b: gf.Int) -> gf.Int:
    return gf.Int(a.value + b.value)


def _label(name: str) -> str:
    import uuid

    return f"{name}-{uuid.uuid4().hex[:8]}"


def test_a_group_holds_stored_nodes_once_and_leaves_them_alone() -> None:
    label = _label("results")
    group = gf.Group(label=label, description="converged runs").store()
    x, y = gf.Int(1).store(), gf.Int(2).store()
    result = add(x, y)
    group.add_nodes([result, x])
    group.add_nodes(result)  # already in: still once
    assert group.count() == 2
    assert len(group) == 2
    assert [n.pk for n in group.nodes] == sorted([result.pk, x.pk])
    assert {n.uuid for n in group} == {result.uuid, x.uuid}
    with pytest.raises(ValidationError, match="is not stored"):
        group.add_nodes(gf.Int(5))
    with pytest.raises(TypeError, match="is not a node"):
        group.add_nodes([42])  # type: ignore[list-item]
    # beside the provenance graph: lineage and links do not see it
    assert {n.uuid for n in ancestors(result)} >= {x.uuid, y.uuid}
    assert all(not isinstance(n, gf.Group) for n in ancestors(result))
    # in Cypher, as the README shows
    rows = gf.cypher(
        "MATCH (:Group {label: $g})-[:CONTAINS]->(n) RETURN n.pk AS pk ORDER BY pk", g=label
    )
    assert [row["pk"] for row in rows] == sorted([result.pk, x.pk])
    group.remove_nodes(x)
    assert [n.pk for n in group.nodes] == [result.pk]
    assert gf.load_node(x.pk).value == 1  # the node stays
    loaded = gf.load_group(label)
    assert loaded.ctime is not None
    assert loaded.ctime.utcoffset() == datetime.timedelta(0)  # UTC, as nodes' times are
    assert loaded.description == "converged runs"
    assert loaded.uuid == group.uuid
    assert loaded.count() == 1


def test_labels_are_unique_per_type_and_deleting_keeps_the_nodes() -> None:
    label = _label("dup")
    group = gf.Group(label=label).store()
    with pytest.raises(ValidationError, match=f"a group labelled '{label}'.*already exists"):
        gf.Group(label=label).store()
    gf.Group(label=label, type_string="other").store()  # another type: fine
    node = gf.Str("kept").store()
    group.add_nodes(node)
    copied = copy_group(label, f"{label}-copy")
    assert [n.uuid for n in copied.nodes] == [node.uuid]
    delete_group(label)
    with pytest.raises(NotExistentError, match=f"no group labelled '{label}'"):
        gf.load_group(label)
    with pytest.raises(NotExistentError):
        delete_group(label)
    assert gf.load_node(node.pk).value == "kept"
    assert f"{label}-copy" in {g.label for g, _ in list_groups()}
    with pytest.raises(ValidationError, match="non-empty string"):
        gf.Group(label="  ")


def _cli(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["group", *args], input=input)
    return result.exit_code, result.output + (str(result.exception) if result.exception else "")


def test_the_group_verbs() -> None:
    label = _label("cli")
    nodes = [gf.Int(i).store() for i in range(3)]
    assert _cli("create", label, "-D", "from the CLI")[0] == 0
    code, out = _cli("create", label)
    assert code == 1
    assert "already exists" in out
    assert _cli("add", label, *(str(n.pk) for n in nodes))[0] == 0
    assert _cli("remove", label, str(nodes[0].pk))[0] == 0
    code, out = _cli("show", label, "--json")
    shown = json.loads(out)
    assert shown["count"] == 2
    assert shown["description"] == "from the CLI"
    assert [n["pk"] for n in shown["nodes"]] == [nodes[1].pk, nodes[2].pk]
    listed = json.loads(_cli("list", "--json")[1])
    assert any(g["label"] == label and g["count"] == 2 for g in listed)
    assert _cli("copy", label, f"{label}-2")[0] == 0
    assert gf.load_group(f"{label}-2").count() == 2
    code, _ = _cli("delete", label, input="n\n")
    assert code != 0  # not confirmed: kept
    assert gf.load_group(label).count() == 2
    assert _cli("delete", label, "--yes")[0] == 0
    code, out = _cli("show", label)
    assert code == 1
    assert f"no group labelled '{label}'" in out
