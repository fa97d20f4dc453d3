"""Graphviz drawings: DOT text with the conventions of verdi node graph, and the drawing."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from graphflow.errors import ValidationError
from graphflow.lineage import GraphTooLargeError, GraphvizNotFoundError, ProvenanceGraph, _dot
from graphflow.lineage._dot import render_graph, to_dot

if TYPE_CHECKING:
    from pathlib import Path


def line_of(dot: str, name: str) -> str:
    return next(line for line in dot.splitlines() if line.strip().startswith(f"{name} ["))


def test_each_kind_has_its_shape_and_colour(paper: ProvenanceGraph) -> None:
    dot = to_dot(paper)
    data, calc, work = line_of(dot, "N1"), line_of(dot, "N5"), line_of(dot, "N4")
    assert 'shape="ellipse"' in data
    assert 'fillcolor="#8cd499"' in data
    assert 'shape="box"' in calc
    assert 'fillcolor="#de707f"' in calc
    assert 'style="filled"' in calc
    assert 'shape="box"' in work
    assert 'fillcolor="#e38851"' in work
    assert 'style="filled,rounded"' in work
    assert 'label="add (5)\\nCalcFunction: finished [0]"' in calc
    assert 'label="Int (1)\\n1"' in data
    assert 'id="pk1"' in data


def test_the_nodes_asked_about_have_a_double_border(paper: ProvenanceGraph) -> None:
    dot = to_dot(paper)
    assert 'peripheries="2"' in line_of(dot, "N8")
    assert "peripheries" not in line_of(dot, "N1")


def test_links_are_labelled_and_styled_by_type(paper: ProvenanceGraph) -> None:
    dot = to_dot(paper)
    assert re.search(r'N1 -> N4 \[label="INPUT\\nx", style="solid"', dot)
    assert re.search(r'N7 -> N8 \[label="CREATE\\nresult", style="solid"', dot)
    assert re.search(r'N4 -> N8 \[label="RETURN\\nresult", style="dashed"', dot)
    assert re.search(r'N4 -> N5 \[label="CALL", style="dotted"', dot)  # label repeats the type
    assert dot.count(" -> ") == 12


def test_failed_excepted_and_running_processes_are_marked(make) -> None:
    def drawn(node) -> str:
        return line_of(to_dot(ProvenanceGraph({node.uuid: node})), f"N{node.pk}")

    failed = drawn(make.process(5, "process.calcfunction", "add", "finished", 3))
    assert 'color="#c0001a"' in failed
    assert 'penwidth="3.0"' in failed
    assert "dashed" not in failed
    assert "CalcFunction: finished [3]" in failed
    excepted = drawn(make.process(5, "process.calcfunction", "add", "excepted", None))
    assert 'color="#c0001a"' in excepted
    assert "dashed" in excepted
    running = drawn(make.process(4, "process.workchain", "Loop", "running", None))
    assert 'color="#666666"' in running
    assert 'style="filled,rounded,dashed"' in running
    assert "WorkChain: running" in running


def test_text_is_quoted_so_it_shows_literally(paper: ProvenanceGraph) -> None:
    assert _dot.quote('a "b" \\n c\nd') == '"a \\"b\\" \\\\n c\\nd"'


def test_dot_format_needs_no_graphviz(paper: ProvenanceGraph, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(_dot.shutil, "which", lambda name: None)
    out = tmp_path / "graph.dot"
    data = render_graph(paper, "dot", out)
    assert data.decode().startswith("digraph provenance {")
    assert out.read_bytes() == data


def test_missing_graphviz_says_how_to_install_it(paper: ProvenanceGraph, monkeypatch) -> None:
    monkeypatch.setattr(_dot.shutil, "which", lambda name: None)
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz") as err:
        render_graph(paper, "svg")
    assert "`dot` program is not on PATH" in str(err.value)
    assert "--format dot" in str(err.value)


def test_svg_has_every_node_and_link(paper: ProvenanceGraph) -> None:
    svg = render_graph(paper, "svg").decode()
    assert svg.lstrip().startswith("<?xml")
    assert sorted(int(pk) for pk in re.findall(r'<g id="pk(\d+)" class="node">', svg)) == list(
        range(1, 9)
    )
    assert svg.count('class="edge"') == 12
    assert ">multiply (7)</text>" in svg


def test_pdf_and_png_are_drawn(paper: ProvenanceGraph) -> None:
    assert render_graph(paper, "pdf").startswith(b"%PDF")
    assert render_graph(paper, "png").startswith(b"\x89PNG")


def test_bad_format_and_too_large_graphs_are_refused(paper: ProvenanceGraph) -> None:
    with pytest.raises(
        ValidationError, match="format must be one of svg, png, pdf, dot; got 'jpg'"
    ):
        render_graph(paper, "jpg")
    with pytest.raises(
        GraphTooLargeError, match="8 nodes and 12 links, more than max_nodes=5"
    ) as err:
        render_graph(paper, "svg", max_nodes=5)
    assert (err.value.nodes, err.value.limit) == (8, 5)


def test_a_code_is_captioned_by_its_full_label_not_its_attribute_names() -> None:
    from graphflow.lineage._style import node_caption
    from graphflow.orm import Code

    code = Code(label="bash", computer="cluster", executable="/bin/bash")
    assert node_caption(code)[1:] == ["bash@cluster"]
