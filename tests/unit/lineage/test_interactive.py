"""The interactive HTML view: a self-contained page with the graph's nodes and details."""

from __future__ import annotations

import html
import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from graphflow.lineage import GraphTooLargeError, InteractiveGraph, Link, ProvenanceGraph
from graphflow.lineage._interactive import MAX_HEIGHT, MIN_HEIGHT

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


def _chain(make: Any, length: int) -> ProvenanceGraph:
    """Integers each made from the one before by a calcfunction: one rank per node."""
    integer, process = make.integer, make.process
    nodes = [integer(1, 0)]
    links = []
    for step in range(length):
        calc = process(2 * step + 2, "process.calcfunction", "increment")
        out = integer(2 * step + 3, step + 1)
        links += [Link(nodes[-1].uuid, calc.uuid, "INPUT", "x"),
                  Link(calc.uuid, out.uuid, "CREATE", "result")]  # fmt: skip
        nodes += [calc, out]
    return ProvenanceGraph({n.uuid: n for n in nodes}, links, [nodes[-1].uuid])


def drawing_area(page: str) -> int:
    return drawing_size(page)[1]


def drawing_size(page: str) -> tuple[str, int]:
    match = re.search(r"#mynetwork \{\s*width: ([^;]+);\s*height: (\d+)px;", page)
    assert match, "no drawing area in the page"
    return match.group(1), int(match.group(2))


def test_the_page_is_as_tall_as_the_drawing_within_bounds(
    paper: ProvenanceGraph, make: Any
) -> None:
    one = _chain(make, 0)
    assert InteractiveGraph(one).height == MIN_HEIGHT  # a single node: no empty band
    heights = [InteractiveGraph(_chain(make, n)).height for n in (2, 4, 8)]
    assert MIN_HEIGHT < heights[0] < heights[1] < heights[2] <= MAX_HEIGHT
    # the frame and the page agree, and a very tall graph stops at the bound
    view = InteractiveGraph(paper)
    assert drawing_area(view.html) == view.height
    assert f"height: {view.height + 30}px" in view._repr_html_()
    assert InteractiveGraph(_chain(make, 40)).height == MAX_HEIGHT
    # a height given is kept
    assert drawing_area(InteractiveGraph(paper, height=250).html) == 250


@pytest.mark.parametrize("height", [0, -5])
def test_a_height_that_is_not_positive_is_refused(paper: ProvenanceGraph, height: int) -> None:
    with pytest.raises(
        ValueError, match=f"height must be a positive number of pixels, not {height}"
    ):
        InteractiveGraph(paper, height=height)


def test_a_drawing_wider_than_a_page_is_drawn_at_its_size(make: Any) -> None:
    """A calculation with twenty outputs is wider than a page: the page scrolls across
    it instead of shrinking its text (found by a new user: 5 px captions)."""
    calc = make.process(1, "process.calcfunction", "split")
    outs = [make.integer(i + 2, i) for i in range(20)]
    links = [Link(calc.uuid, o.uuid, "CREATE", f"part_{i}") for i, o in enumerate(outs)]
    wide = ProvenanceGraph({n.uuid: n for n in [calc, *outs]}, links, [calc.uuid])
    width, _ = drawing_size(InteractiveGraph(wide).html)
    assert width.endswith("px")
    assert int(width[:-2]) > 1200
    assert drawing_size(InteractiveGraph(_chain(make, 2)).html)[0] == "100%"
