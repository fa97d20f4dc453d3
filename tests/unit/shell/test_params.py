"""Reading :param values: Cypher literals only, on the client."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphflow.errors import ShellUsageError
from graphflow.shell._params import parse_literal, parse_param


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42),
        ("-7", -7),
        ("0x1F", 31),
        ("1.5", 1.5),
        ("-2.5e3", -2500.0),
        ("'tab\\there'", "tab\there"),
        ('"quote \\" inside"', 'quote " inside'),
        ("'\\u00e9t\\u00e9'", "été"),
        ("true", True),
        ("FALSE", False),
        ("null", None),
        ("[]", []),
        ("[1, 'a', [true, null]]", [1, "a", [True, None]]),
        ("{}", {}),
        ("{a: 1, `b c`: 'x', 'd': {e: [2]}}", {"a": 1, "b c": "x", "d": {"e": [2]}}),
    ],
)
def test_literals(text: str, value: object) -> None:
    assert parse_literal(text) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "x",
        "toUpper('a')",
        "[1, 2",
        "{a 1}",
        "{a: 1,}",
        "'open",
        "1 2",
        "'it''s'",
        "- 'a'",
        "$x",
    ],
)
def test_anything_but_a_literal_is_refused_with_the_reason(text: str) -> None:
    with pytest.raises(ShellUsageError, match=r"cannot read .* as a value|use a literal"):
        parse_literal(text)


def test_param_forms() -> None:
    assert parse_param("limit => 10") == {"limit": 10}
    assert parse_param("$name => 'x'") == {"name": "x"}
    assert parse_param("`odd name` => [1]") == {"odd name": [1]}
    assert parse_param("{a: 1, b: 'two'}") == {"a": 1, "b": "two"}
    with pytest.raises(ShellUsageError, match="NAME => VALUE"):
        parse_param("limit 10")
    with pytest.raises(ShellUsageError, match="NAME => VALUE"):
        parse_param("a-b => 1")


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True), inner, max_size=4)
    ),
    max_leaves=12,
)


def cypher_literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{k}: {cypher_literal(v)}" for k, v in value.items()) + "}"


@given(JSONISH)
def test_literals_round_trip(value: object) -> None:
    assert parse_literal(cypher_literal(value)) == value
