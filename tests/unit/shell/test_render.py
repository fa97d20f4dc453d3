"""Results as text: compact nodes, JSON and CSV shapes, row limits, marked errors."""

from __future__ import annotations

import datetime
import json

import neo4j.graph
import neo4j.time
from rich.console import Console

from graphflow.shell._render import (
    OutputFormat,
    cell_text,
    format_error,
    json_value,
    render_result,
    result_csv,
    result_json,
    summary_line,
)
from graphflow.store import QueryResult

GRAPH = neo4j.graph.Graph()


def node(labels: set[str], **props: object) -> neo4j.graph.Node:
    return neo4j.graph.Node(GRAPH, f"#{len(props)}", 1, labels, dict(props))


def text_of(renderable: object, width: int = 120) -> str:
    console = Console(width=width, color_system=None)
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


def test_provenance_nodes_are_compact() -> None:
    data = node({"Node", "Data", "Int"}, pk=8, uuid="u", value=9, attributes="{}", label="")
    process = node(
        {"Node", "Process", "Calculation", "CalcFunction"},
        pk=5,
        process_label="add",
        process_state="finished",
        exit_status=0,
    )
    failed = node(
        {"Node", "Process", "Workflow", "WorkChain"},
        pk=7,
        process_label="Parent",
        process_state="finished",
        exit_status=404,
        label="run 1",
    )
    assert cell_text(data) == "(Int pk=8 value=9)"
    assert cell_text(process) == "(CalcFunction pk=5 add finished)"
    assert cell_text(failed) == "(WorkChain pk=7 Parent finished [404] label='run 1')"


def test_other_nodes_show_labels_and_a_few_properties() -> None:
    log = node({"Log"}, level="REPORT", message="x" * 100, process_pk=3, time=1, uuid="u")
    text = cell_text(log)
    assert text.startswith("(:Log {level: 'REPORT', message: 'xxx")
    assert "…" in text
    assert len(text) < 120


def test_relationships_without_known_ends_and_plain_values() -> None:
    create = GRAPH.relationship_type("CREATE")(GRAPH, "#r", 1, {"label": "result"})
    assert cell_text(create) == "[:CREATE result]"
    assert cell_text(None) == "null"
    assert cell_text(True) == "true"
    assert cell_text([1, "a", None]) == "[1, 'a', null]"
    assert cell_text({"k": "v"}) == "{k: 'v'}"
    when = neo4j.time.DateTime(2026, 1, 2, 3, 4, 5)
    assert cell_text(when) == "2026-01-02T03:04:05"


def test_json_values_match_graphflow_cypher_shapes() -> None:
    data = node({"Node", "Data", "Int"}, pk=8, value=9)
    assert json_value(data) == {"labels": ["Data", "Int", "Node"], "pk": 8, "value": 9}
    assert json_value(datetime.timedelta(seconds=90)) == 90.0
    when = neo4j.time.DateTime(2026, 1, 2, 3, 4, 5)
    assert json_value([when, b"\x01"]) == ["2026-01-02T03:04:05", "01"]


RESULT = QueryResult(["pk", "v"], [{"pk": i, "v": f"value {i}"} for i in range(1, 6)])


def test_json_and_csv_keep_column_order_and_every_row() -> None:
    assert json.loads(result_json(RESULT)) == RESULT.rows
    assert result_json(QueryResult(["a"], [])) == "[]"
    csv_text = result_csv(QueryResult(["a", "b"], [{"a": [1, 2], "b": None}, {"a": "x,y", "b": 1}]))
    assert csv_text.splitlines() == ["a,b", '"[1, 2]",', '"x,y",1']


def test_row_limit_cuts_the_rows_shown_and_the_summary_says_so() -> None:
    table = text_of(render_result(RESULT, OutputFormat.TABLE, vertical=False, limit=2))
    assert "value 2" in table
    assert "value 3" not in table
    assert "showing the first 2" in summary_line(5, limit=2, elapsed=None).plain
    assert summary_line(1, limit=0, elapsed=0.0123).plain == "1 row in 12 ms"
    every = render_result(RESULT, OutputFormat.JSON, vertical=False, limit=0)
    assert len(json.loads(text_of(every))) == 5


def test_vertical_mode_prints_one_block_per_row() -> None:
    text = text_of(render_result(RESULT, OutputFormat.TABLE, vertical=True, limit=3))
    assert text.count("─[ row") == 3
    assert "\nv   value 3\n" in text


def test_syntax_errors_are_marked_at_their_position() -> None:
    statement = "MATCH (n:Int)\nRETURN n +"
    arcade = format_error("Syntax error at line 2:10 - mismatched input '<EOF>'", statement)
    assert arcade.plain.splitlines()[-2:] == ["  RETURN n +", "            ^"]
    neo4j_message = "Invalid input 'RETURN': expected (line 1, column 10 (offset: 9))"
    marked = format_error(neo4j_message, "MATCH (n RETURN n")
    assert marked.plain.splitlines()[-1] == "  " + " " * 9 + "^"
    quoted = 'Invalid input\n"MATCH (n RETURN n"\n          ^'
    assert format_error(quoted, "MATCH (n RETURN n").plain == quoted  # already marked
    assert format_error("no position here", "RETURN 1").plain == "no position here"
