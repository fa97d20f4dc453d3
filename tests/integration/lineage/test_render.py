"""Drawing provenance on the real store: the SVG has the expected nodes and links, and
`graphflow node graph` draws, refuses and explains like a command-line tool should."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from graphflow import lineage
from graphflow.lineage import GraphTooLargeError

if TYPE_CHECKING:
    from pathlib import Path


def drawn_pks(svg: str) -> list[int]:
    return sorted(int(pk) for pk in re.findall(r'<g id="pk(\d+)" class="node">', svg))


def graphflow(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "graphflow.cli", *args],
        cwd=cwd,
        capture_output=True,
        timeout=120,
        check=False,
        env=env,
    )


def test_svg_of_the_paper_result(paper) -> None:
    svg = lineage.render(paper.result, "svg").decode()
    n = paper.nodes
    data_part = ["x", "y", "z", "add", "sum", "multiply", "result"]
    assert drawn_pks(svg) == sorted(n[name].pk for name in data_part)
    assert svg.count('class="edge"') == 6
    assert f">multiply ({n['multiply'].pk})</text>" in svg
    assert ">CREATE</text>" in svg
    assert ">result</text>" in svg


def test_every_link_type_and_the_workflow(paper) -> None:
    svg = lineage.render(paper.result, "svg", links="all").decode()
    assert drawn_pks(svg) == sorted(node.pk for node in paper.nodes.values())
    assert svg.count('class="edge"') == 12
    assert ">RETURN</text>" in svg
    assert ">CALL</text>" in svg
    assert f">add_multiply ({paper.workflow.pk})</text>" in svg


def test_a_graph_object_draws_itself(paper, tmp_path: Path) -> None:
    graph = lineage.call_tree(paper.workflow)
    out = tmp_path / "tree.png"
    data = graph.render("png", out)
    assert data.startswith(b"\x89PNG")
    assert out.read_bytes() == data


def test_too_large_to_draw(chain) -> None:
    with pytest.raises(GraphTooLargeError, match="has 61 ancestors, more than the limit of 20"):
        lineage.render(chain.result, max_nodes=20)


def test_cli_draws_svg_to_a_file(paper, tmp_path: Path) -> None:
    done = graphflow("node", "graph", str(paper.result.pk), "-o", "out.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().startswith("Wrote out.svg (")
    svg = (tmp_path / "out.svg").read_text()
    assert drawn_pks(svg) == drawn_pks(lineage.render(paper.result, "svg").decode())


def test_cli_default_file_name_depths_and_formats(paper, tmp_path: Path) -> None:
    pk = str(paper.nodes["sum"].pk)
    done = graphflow("node", "graph", pk, "-a", "1", "-d", "1", "-f", "pdf", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert (tmp_path / f"{pk}.pdf").read_bytes().startswith(b"%PDF")
    dot = graphflow("node", "graph", pk, "-a", "1", "-d", "0", "-f", "dot", "-o", "-", cwd=tmp_path)
    assert dot.returncode == 0, dot.stderr.decode()
    text = dot.stdout.decode()
    assert text.startswith("digraph provenance {")
    assert sorted(int(p) for p in re.findall(r"^  N(\d+) \[", text, re.MULTILINE)) == sorted(
        [paper.nodes["add"].pk, int(pk)]
    )


def test_cli_unknown_pk_bad_depth_and_too_large(paper, chain, tmp_path: Path) -> None:
    unknown = graphflow("node", "graph", "987654321", cwd=tmp_path)
    assert unknown.returncode == 1
    assert unknown.stderr.decode().strip() == "Error: no node with pk 987654321"
    for bad in ("-1", "two", "1.5"):
        depth = graphflow(
            "node", "graph", str(paper.result.pk), "--ancestor-depth", bad, cwd=tmp_path
        )
        assert depth.returncode == 2
        assert f"'{bad}' is not a depth: give a whole number of links" in depth.stderr.decode()
    large = graphflow("node", "graph", str(chain.result.pk), "--max-nodes", "10", cwd=tmp_path)
    assert large.returncode == 1
    message = large.stderr.decode()
    assert "has 61 ancestors, more than the limit of 10 nodes" in message
    assert "--ancestor-depth N" in message
    assert "--max-nodes" in message
    assert not list(tmp_path.glob("*.svg"))


def test_cli_without_graphviz_says_how_to_install_it(paper, tmp_path: Path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    env = {**os.environ, "PATH": str(bare)}  # no dot anywhere
    done = graphflow("node", "graph", str(paper.result.pk), cwd=tmp_path, env=env)
    assert done.returncode == 1
    message = done.stderr.decode()
    assert "Graphviz's `dot` program is not on PATH" in message
    assert "apt-get install graphviz" in message
    as_dot = graphflow("node", "graph", str(paper.result.pk), "-f", "dot", cwd=tmp_path, env=env)
    assert as_dot.returncode == 0, as_dot.stderr.decode()


def test_the_driver_is_imported_without_dataframe_libraries() -> None:
    check = (
        "import sys\n"
        "from graphflow.store._driver_import import import_driver\n"
        "import_driver()\n"
        "import neo4j._optional_deps as optional\n"
        "assert optional.pd is None and optional.np is None, 'pandas was imported'\n"
        "assert 'pandas' not in sys.modules and 'numpy' not in sys.modules\n"
        "import numpy, pandas\n"  # still importable afterwards
        "print(pandas.DataFrame({'a': [1]}).shape)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(1, 1)"
