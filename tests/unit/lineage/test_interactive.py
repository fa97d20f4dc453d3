"""The interactive HTML view: a self-contained page with the graph's nodes and details."""

from __future__ import annotations

import html
import json
import re
from typing import TYPE_CHECKING

import pytest

from graphflow.lineage import GraphTooLargeError, InteractiveGraph, ProvenanceGraph

if TYPE_CHECKING:
    from pathlib import Path


def network_data(page: str, name: str) -> list[dict]:
    match = re.search(rf"{name} = new vis\.DataSet\((\[.*?\])\);", page, re.DOTALL)
    assert match, f"no {name} data in the page"
    return json.loads(match.group(1))


def test_the_page_holds_every_node_and_link_with_details(paper: ProvenanceGraph) -> None:
    page = InteractiveGraph(paper).html
    drawn = network_data(page, "nodes")
    nodes = {n["id"]: n for n in drawn if n.get("shape") != "text"}
    captions = {n["id"]: n for n in drawn if n.get("shape") == "text"}
    assert sorted(nodes) == list(range(1, 9))
    # every node and every link's caption has the place Graphviz gave it
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in drawn)
    assert nodes[5]["label"] == "add (5)\nCalcFunction: finished [0]"
    assert nodes[5]["color"]["background"] == "#de707f"
    assert "uuid: " + str(paper.nodes[paper.roots[0]].uuid) in nodes[8]["title"]
    assert nodes[8]["borderWidth"] == 3  # the node asked about
    assert nodes[4]["shapeProperties"]["borderRadius"] == 8  # a workflow
    # a link is two lines through its caption: 12 links
    edges = network_data(page, "edges")
    assert len(captions) == 12
    assert len(edges) == 24
    assert {c["label"] for c in captions.values()} >= {
        "INPUT\nx",
        "CREATE\nresult",
        "RETURN\nresult",
        "CALL",
    }


def test_the_page_works_offline(paper: ProvenanceGraph, tmp_path: Path) -> None:
    page = InteractiveGraph(paper).html
    remote = re.findall(r'(?:src|href)="(https?://[^"]+)"', page)
    assert remote == []
    assert "new vis.Network(" in page
    assert '"hierarchical"' in page
    saved = InteractiveGraph(paper).save(tmp_path / "graph.html")
    assert saved.read_text(encoding="utf-8") == page


def test_in_a_notebook_it_is_an_isolated_frame(paper: ProvenanceGraph) -> None:
    view = InteractiveGraph(paper, height=400)
    frame = view._repr_html_()
    assert frame.startswith('<iframe srcdoc="')
    assert "height: 430px" in frame
    assert html.unescape(frame.split('srcdoc="', 1)[1].split('" style=')[0]) == view.html


def test_too_large_is_refused_but_a_graph_still_displays(paper: ProvenanceGraph) -> None:
    with pytest.raises(GraphTooLargeError, match="8 nodes, more than max_nodes=3"):
        InteractiveGraph(paper, max_nodes=3)
    big = ProvenanceGraph(dict(paper.nodes), list(paper.links), list(paper.roots))
    for i in range(600):
        big.nodes[f"extra-{i}"] = next(iter(paper.nodes.values()))
    shown = big._repr_html_()
    assert "608 nodes, more than max_nodes=500" in shown
    assert not shown.startswith("<iframe")
