"""%cypher in a real IPython shell on the real store, and the HTML cards of nodes."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from graphflow import _loop
from graphflow.lineage import ProvenanceGraph

QUERY = (
    "MATCH (n:Node {pk: $result.pk})<-[:INPUT|CREATE*]-(a:Node)\n"
    "RETURN DISTINCT a.pk AS pk, a AS node ORDER BY pk"
)


@pytest.fixture(scope="module")
def shell(paper, tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:  # IPython's history and profile: not in ~
        patch.setenv("IPYTHONDIR", str(tmp_path_factory.mktemp("ipython")))
        ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "graphflow")
    ip.user_ns["result"] = paper.result
    yield ip
    ip.run_line_magic("unload_ext", "graphflow")


def run(shell, text: str):
    outcome = shell.run_cell(text, store_history=False)
    return outcome.result, outcome.error_in_exec


def test_cell_magic_gives_a_dataframe_with_nodes(shell, paper) -> None:
    frame, error = run(shell, f"%%cypher -o origins\n{QUERY}")
    assert error is None
    assert list(frame.columns) == ["pk", "node"]
    expected = sorted(paper.nodes[k].pk for k in ("x", "y", "z", "add", "sum", "multiply"))
    assert list(frame["pk"]) == expected
    multiply = frame.loc[frame["pk"] == paper.nodes["multiply"].pk, "node"].item()
    assert multiply.process_label == "multiply"
    assert shell.user_ns["origins"] is frame


def test_line_magic_and_plain_values(shell, paper) -> None:
    frame, error = run(shell, "%cypher MATCH (n:Int {pk: $result.pk}) RETURN n.value AS value")
    assert error is None
    assert frame.to_dict("records") == [{"value": 9}]


def test_graph_option_draws_the_nodes_and_paths(shell, paper) -> None:
    graph, error = run(
        shell, "%%cypher -g\nMATCH p = (n:Node {pk: $result.pk})<-[:INPUT|CREATE*]-(a:Int) RETURN p"
    )
    assert error is None
    assert isinstance(graph, ProvenanceGraph)
    assert sorted(n.pk for n in graph) == sorted(
        paper.nodes[k].pk for k in ("x", "y", "z", "add", "sum", "multiply", "result")
    )
    assert len(graph.links) == 6
    assert graph._repr_html_().startswith("<iframe srcdoc=")


def test_errors_are_one_readable_line(shell) -> None:
    _, error = run(shell, "%%cypher\nMATCH (n:Node)\nRETRN n")
    assert isinstance(error, UsageError)
    message = str(error)
    assert message.startswith("Cypher query failed: ")
    assert "RETRN" in message
    assert "^" in message
    _, error = run(shell, "%cypher MATCH (n) DETACH DELETE n")
    assert isinstance(error, UsageError)
    assert "write clause DETACH DELETE" in str(error)
    _, error = run(shell, "%cypher MATCH (n {pk: $nowhere}) RETURN n")
    assert isinstance(error, UsageError)
    assert "no variable named nowhere" in str(error)
    _, error = run(shell, "%cypher -g RETURN 1 AS one")
    assert "no provenance node to draw" in str(error)


def test_cards_of_data_and_processes(paper) -> None:
    card = paper.result._repr_html_()
    assert "<b>Int</b>" in card
    assert "<code>9</code>" in card
    creator = f"multiply (CalcFunction, pk {paper.nodes['multiply'].pk})"
    assert f"created as <code>result</code> by {creator}" in card
    assert "returned as <code>result</code> by add_multiply" in card
    flow = paper.workflow._repr_html_()
    assert "add_multiply <small>(WorkFunction)</small>" in flow
    assert ">finished</span>" in flow
    assert "exit status" in flow
    for label, node in (("x", "x"), ("y", "y"), ("z", "z")):
        assert (
            f"<code>{label}</code>: Int = {paper.nodes[node].value} (pk {paper.nodes[node].pk})"
            in flow
        )
    assert f"<code>result</code>: Int = 9 (pk {paper.result.pk})" in flow


def test_a_card_on_the_loop_thread_does_not_block_it(paper) -> None:
    async def on_loop() -> str:
        return paper.workflow._repr_html_()

    card = _loop.call(on_loop())
    assert "links not loaded (shown from graphflow&#x27;s event loop)" in card
    assert "add_multiply" in card
