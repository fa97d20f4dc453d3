"""Splitting input into statements and commands; when Enter runs the input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphflow.shell._lexer import TokenKind, tokenize
from graphflow.shell._splitter import (
    PieceKind,
    edit_request,
    is_blank,
    is_complete,
    is_leave_request,
    split_input,
)


def texts(text: str) -> list[tuple[str, str]]:
    return [(p.kind.value, p.text) for p in split_input(text).pieces]


def test_statements_end_at_semicolons_and_may_span_lines() -> None:
    split = split_input("MATCH (n:Int)\nRETURN n.value;\nRETURN 1; MATCH (n)")
    assert texts("MATCH (n:Int)\nRETURN n.value;\nRETURN 1;") == [
        ("statement", "MATCH (n:Int)\nRETURN n.value"),
        ("statement", "RETURN 1"),
    ]
    assert split.rest == "MATCH (n)"
    assert split.rest_start == len("MATCH (n:Int)\nRETURN n.value;\nRETURN 1; ")


@pytest.mark.parametrize(
    "text",
    [
        "RETURN 'a;b' AS x;",
        'RETURN "a;b" AS x;',
        "RETURN 'it\\'s;' AS x;",
        "MATCH (n:`odd;label`) RETURN n;",
        "RETURN 1 // a comment; not the end\n AS x;",
        "RETURN /* ; */ 1 AS x;",
    ],
)
def test_semicolons_in_strings_names_and_comments_do_not_split(text: str) -> None:
    split = split_input(text)
    assert len(split.pieces) == 1
    assert split.pieces[0].text == text[:-1]
    assert split.rest == ""


def test_blank_statements_and_lone_semicolons_are_dropped() -> None:
    assert texts(";;  ; // only a comment\n;") == []
    assert texts("MATCH (n)\nRETURN n\n;") == [("statement", "MATCH (n)\nRETURN n\n")]


def test_commands_start_where_a_statement_could_and_end_at_the_line_or_semicolon() -> None:
    text = ":param x => 1\nRETURN $x;\n  :ancestors 8 --depth 2; :tree 4\n:param s => 'a;b'"
    assert texts(text) == [
        ("command", ":param x => 1"),
        ("statement", "RETURN $x"),
        ("command", ":ancestors 8 --depth 2"),
        ("command", ":tree 4"),
        ("command", ":param s => 'a;b'"),
    ]
    assert split_input("\\x\n\\e").pieces[1].kind is PieceKind.COMMAND


def test_a_colon_inside_a_statement_is_cypher_not_a_command() -> None:
    assert texts("MATCH (n\n:Int) RETURN n;") == [("statement", "MATCH (n\n:Int) RETURN n")]


@pytest.mark.parametrize(
    ("text", "complete"),
    [
        ("", True),
        ("   \n", True),
        ("RETURN 1;", True),
        ("RETURN 1;  // done", True),
        ("RETURN 1", False),
        ("MATCH (n)\n", False),
        ("MATCH (n)\nRETURN n\n;", True),
        ("RETURN 'a;", False),
        ("RETURN 1; RETURN", False),
        (":help", True),
        (":ancestors 8", True),
        ("MATCH (n) RETURN n \\e", True),
        ("RETURN '\\e", False),
        ("exit", True),
        ("QUIT", True),
        ("exit the loop", False),
        ("/* open comment", False),
    ],
)
def test_enter_runs_only_finished_input(text: str, complete: bool) -> None:
    assert is_complete(text) is complete


def test_edit_request_gives_the_statement_before_backslash_e() -> None:
    assert edit_request("MATCH (n)\nRETURN n \\e") == "MATCH (n)\nRETURN n"
    assert edit_request("\\e") == ""
    assert edit_request("RETURN '\\e'") is None
    assert edit_request("RETURN 1 \\ e") is None
    assert is_leave_request(" Exit ")
    assert not is_leave_request("exit;")


def test_unterminated_tokens_are_tokens_too() -> None:
    tokens = tokenize("RETURN 'abc")
    assert tokens[-1].kind is TokenKind.STRING
    assert not tokens[-1].closed
    assert tokenize("1.5e3..2")[0].text == "1.5e3"
    assert [t.text for t in tokenize("[*1..3]")] == ["[", "*", "1", ".", ".", "3", "]"]
    assert is_blank(" // x\n /* y */ ")


SAFE = st.text(alphabet="abcXYZ (){}:.,$=<>-0123456789\n ", max_size=30)


@given(st.lists(SAFE.filter(lambda s: not is_blank(s) and s.strip()[:1] not in ":\\"), max_size=6))
def test_statements_joined_by_semicolons_split_back(statements: list[str]) -> None:
    text = ";".join(statements) + (";" if statements else "")
    # a statement starts at its first character that is not white space
    assert [p.text for p in split_input(text).pieces] == [s.lstrip() for s in statements]


@given(st.text(max_size=200))
def test_any_text_splits_without_error_and_pieces_come_from_it(text: str) -> None:
    split = split_input(text)
    for piece in split.pieces:
        assert piece.text.strip() in text[piece.start :]
    assert text.endswith(split.rest)
    is_complete(text)
    edit_request(text)
