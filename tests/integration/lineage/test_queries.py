"""The lineage API on the real store: the paper's listing 8 exactly, and generated graphs
whose shared ancestors would make a path-enumerating query run for ever."""

from __future__ import annotations

from typing import Any

import networkx
import pytest

import graphflow as gf
from graphflow import lineage
from graphflow.errors import NotExistentError, ValidationError
from graphflow.lineage import GraphTooLargeError


def pks(nodes: Any) -> list[int]:
    values = nodes.nodes.values() if hasattr(nodes, "nodes") else nodes
    return sorted(node.pk for node in values)


def named(run: Any, *names: str) -> list[int]:
    return sorted(run.nodes[name].pk for name in names)


def test_ancestors_of_the_paper_result(paper) -> None:
    found = lineage.ancestors(paper.result)
    assert [n.pk for n in found] == named(paper, "x", "y", "z", "add", "sum", "multiply")
    assert [n.pk for n in found] == sorted(n.pk for n in found)  # in pk order
    assert found[-1].process_label == "multiply"


def test_ancestors_within_a_depth(paper) -> None:
    assert pks(lineage.ancestors(paper.result, 1)) == named(paper, "multiply")
    assert pks(lineage.ancestors(paper.result, 2)) == named(paper, "multiply", "sum", "z")
    assert pks(lineage.ancestors(paper.result, 50)) == pks(lineage.ancestors(paper.result))


def test_ancestors_by_link_mode(paper) -> None:
    logic = lineage.ancestors(paper.result, links="logic")
    assert pks(logic) == named(paper, "x", "y", "z", "workflow")
    every = lineage.ancestors(paper.result, links="all")
    assert pks(every) == named(paper, "x", "y", "z", "workflow", "add", "sum", "multiply")


def test_descendants_of_an_input(paper) -> None:
    everything = named(paper, "workflow", "add", "sum", "multiply", "result")
    # INPUT is one link type, into calculations and workflows alike: data mode reaches the
    # workflow too (as a leaf: it creates nothing)
    assert pks(lineage.descendants(paper.nodes["x"])) == everything
    assert pks(lineage.descendants(paper.nodes["y"], 2)) == named(paper, "workflow", "add", "sum")
    assert pks(lineage.descendants(paper.nodes["x"], links="all")) == everything
    assert pks(lineage.descendants(paper.nodes["x"], 1, "all")) == named(paper, "workflow", "add")
    assert lineage.descendants(paper.result) == []


def test_provenance_graph_holds_exactly_the_links(paper) -> None:
    graph = lineage.provenance_graph(paper.result)
    assert pks(graph) == named(paper, "x", "y", "z", "add", "sum", "multiply", "result")
    by_uuid = graph.nodes
    links = sorted(
        (by_uuid[k.source].pk, k.type, k.label, by_uuid[k.target].pk) for k in graph.links
    )
    n = paper.nodes
    assert links == sorted(
        [
            (n["x"].pk, "INPUT", "a", n["add"].pk),
            (n["y"].pk, "INPUT", "b", n["add"].pk),
            (n["add"].pk, "CREATE", "result", n["sum"].pk),
            (n["sum"].pk, "INPUT", "a", n["multiply"].pk),
            (n["z"].pk, "INPUT", "b", n["multiply"].pk),
            (n["multiply"].pk, "CREATE", "result", n["result"].pk),
        ]
    )
    assert graph.roots == [paper.result.uuid]


def test_provenance_graph_both_ways_and_with_depths(paper) -> None:
    around = lineage.provenance_graph(paper.nodes["sum"], 1, 1)
    assert pks(around) == named(paper, "add", "sum", "multiply")
    assert len(around.links) == 2
    whole = lineage.provenance_graph(paper.nodes["sum"], None, None, "all")
    assert pks(whole) == sorted(n.pk for n in paper.nodes.values())
    assert len(whole.links) == 12
    several = lineage.provenance_graph([paper.nodes["x"], paper.nodes["z"]], 0, 1)
    assert pks(several) == named(paper, "x", "z", "workflow", "add", "multiply")


def test_paths_between_two_nodes(paper) -> None:
    n = paper.nodes
    assert pks(lineage.paths(n["x"], paper.result)) == named(
        paper, "x", "add", "sum", "multiply", "result"
    )
    assert pks(lineage.paths(n["z"], paper.result)) == named(paper, "z", "multiply", "result")
    assert len(lineage.paths(n["z"], paper.result).links) == 2
    assert len(lineage.paths(paper.result, n["x"])) == 0  # links have a direction
    via_workflow = lineage.paths(n["x"], paper.result, links="logic")
    assert pks(via_workflow) == named(paper, "x", "workflow", "result")


def test_call_tree_of_the_workflow(paper) -> None:
    tree = lineage.call_tree(paper.workflow)
    assert pks(tree) == named(paper, "workflow", "add", "multiply")
    assert {(tree.nodes[k.source].pk, k.type) for k in tree.links} == {(paper.workflow.pk, "CALL")}
    assert networkx.is_arborescence(tree.to_networkx())
    with pytest.raises(ValidationError, match="is data, not a process"):
        lineage.call_tree(paper.result)


def test_async_twins_run_on_the_loop(paper, aio) -> None:
    assert pks(aio(lineage.aancestors(paper.result, 1))) == named(paper, "multiply")
    assert pks(aio(lineage.adescendants(paper.nodes["z"]))) == named(
        paper, "workflow", "multiply", "result"
    )
    assert len(aio(lineage.aprovenance_graph(paper.result))) == 7


@pytest.mark.timeout(120)
def test_shared_ancestors_are_read_once_not_per_path(chain) -> None:
    found = lineage.ancestors(chain.result)
    assert len(found) == 2 * 30 + 1  # 30 additions, 29 sums before the result, a and b
    graph = lineage.provenance_graph(chain.result)
    assert len(graph.links) == 30 * 3  # two inputs and one output per addition
    # the same answer as networkx on the graph read
    nx = graph.to_networkx()
    assert {n.uuid for n in found} == networkx.ancestors(nx, chain.result.uuid)
    assert len(lineage.descendants(chain.nodes["a"])) == 30 * 2 + 1  # and the workflow
    on_paths = lineage.paths(chain.nodes["a"], chain.result)
    assert len(on_paths) == 1 + 30 * 2
    assert len(on_paths.links) == 30 * 3 - 2  # all but the two links out of b


@pytest.mark.timeout(120)
def test_depth_limited_walks_agree_with_networkx(chain) -> None:
    whole = lineage.provenance_graph(chain.result).to_networkx().reverse()
    for depth in (1, 2, 5, 13):
        near = networkx.single_source_shortest_path_length(whole, chain.result.uuid, cutoff=depth)
        expected = set(near) - {chain.result.uuid}
        assert {n.uuid for n in lineage.ancestors(chain.result, depth)} == expected


def test_wide_fan_in_and_fan_out(fan) -> None:
    assert len(lineage.ancestors(fan.result)) == 1 + 3 * 20 + 1  # seed; i, product, result; sum
    seed_descendants = lineage.descendants(fan.nodes["seed"], links="all")
    assert len(seed_descendants) == 20 * 2 + 2 + 1  # products and results; sum and total; wf
    assert len(lineage.paths(fan.nodes["seed"], fan.result)) == 1 + 20 * 2 + 2


def test_a_graph_over_the_limit_is_refused_with_its_size(chain) -> None:
    with pytest.raises(
        GraphTooLargeError, match=r"has 61 ancestors, more than the limit of 10"
    ) as err:
        lineage.provenance_graph(chain.result, max_nodes=10)
    assert (err.value.nodes, err.value.limit) == (61, 10)
    with pytest.raises(GraphTooLargeError, match="at least"):
        lineage.provenance_graph(chain.result, ancestor_depth=20, max_nodes=10)


def test_bad_input_is_named(paper) -> None:
    with pytest.raises(ValidationError, match="depth must be a positive integer or None, got 0"):
        lineage.ancestors(paper.result, 0)
    with pytest.raises(
        ValidationError, match="ancestor_depth must be a positive integer, 0 or None, got -1"
    ):
        lineage.provenance_graph(paper.result, ancestor_depth=-1)
    with pytest.raises(ValidationError, match="links must be one of data, logic, all; got 'both'"):
        lineage.descendants(paper.result, links="both")
    with pytest.raises(ValidationError, match="is not stored"):
        lineage.ancestors(gf.Int(5))
    with pytest.raises(NotExistentError, match="no node with pk 987654321"):
        gf.load_node(987654321)
