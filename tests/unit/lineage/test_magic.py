"""The %cypher magic's pure parts: options, parameters from variables, readable errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy
import pytest

from graphflow.errors import QueryError
from graphflow.lineage._magic import (
    MagicOptions,
    node_parameter,
    parse_magic_line,
    query_parameters,
    readable_error,
)

if TYPE_CHECKING:
    from graphflow.lineage import ProvenanceGraph


@pytest.mark.parametrize(
    ("line", "options", "rest"),
    [
        ("", MagicOptions(), ""),
        ("-g", MagicOptions(graph=True), ""),
        ("--graph -o found", MagicOptions(graph=True, out="found"), ""),
        ("-o df MATCH (n) RETURN n", MagicOptions(out="df"), "MATCH (n) RETURN n"),
        ("  MATCH (n:Node) RETURN -1 AS x", MagicOptions(), "MATCH (n:Node) RETURN -1 AS x"),
        ("--out x -g RETURN 1", MagicOptions(graph=True, out="x"), "RETURN 1"),
    ],
)
def test_leading_options_then_the_query(line: str, options: MagicOptions, rest: str) -> None:
    assert parse_magic_line(line) == (options, rest)


@pytest.mark.parametrize("line", ["-x RETURN 1", "--grph", "-o 1x RETURN 1"])
def test_unknown_options_are_named(line: str) -> None:
    with pytest.raises(ValueError, match=r"unknown option '-.*': the options are -g/--graph"):
        parse_magic_line(line)


def test_parameters_come_from_the_variables_the_query_names(paper: ProvenanceGraph) -> None:
    result = paper.nodes[paper.roots[0]]
    namespace = {"result": result, "pks": (1, numpy.int64(2)), "unused": object(), "x": 1.5}
    params = query_parameters(
        "MATCH (n {pk: $result.pk}) WHERE n.pk IN $pks AND n.v > $x RETURN n", namespace
    )
    assert params == {
        "result": {"uuid": result.uuid, "pk": 8, "label": "", "node_type": "core.int", "value": 9},
        "pks": [1, 2],
        "x": 1.5,
    }
    assert type(params["pks"][1]) is int


def test_dollars_in_strings_and_comments_are_not_parameters() -> None:
    text = "MATCH (n) // costs $cost\nWHERE n.label = 'a $b' OR n.x = \"$c\" /* $d */ RETURN n"
    assert query_parameters(text, {}) == {}


def test_undefined_variables_are_named() -> None:
    with pytest.raises(KeyError) as err:
        query_parameters("MATCH (n {pk: $pk, uuid: $uuid}) RETURN n", {"pk": 1})
    assert err.value.args[0] == (
        "the query uses $uuid, but the notebook has no variable named uuid: define it in a "
        "cell above"
    )


def test_a_process_node_parameter_has_no_value(paper: ProvenanceGraph) -> None:
    add = next(n for n in paper.nodes.values() if n.pk == 5)
    assert node_parameter(add) == {
        "uuid": add.uuid,
        "pk": 5,
        "label": "",
        "node_type": "process.calcfunction",
    }


def test_errors_point_at_the_position_the_server_gives() -> None:
    text = "MATCH (n:Node)\nRETRN n"
    message = readable_error(text, QueryError("Unexpected input 'RETRN' at line 2:0"))
    assert message == (
        "Cypher query failed: Unexpected input 'RETRN' at line 2:0\n    RETRN n\n    ^"
    )


def test_errors_that_draw_their_own_caret_are_kept() -> None:
    server = "Invalid input 'RETRN' (line 2, column 1 (offset: 15))\n\"RETRN n\"\n ^"
    assert readable_error("x\nRETRN n", QueryError(server)) == f"Cypher query failed: {server}"


def test_a_neo4j_position_without_its_own_caret_is_marked_from_column_one() -> None:
    # Neo4j counts columns from 1: "column 3" is the third character
    message = readable_error("MATCH (n) RETRN n", QueryError("Invalid input (line 1, column 11)"))
    assert message.endswith("\n    MATCH (n) RETRN n\n    " + " " * 10 + "^")
