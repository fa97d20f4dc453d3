"""Data types behave like their values and refuse what cannot be stored (no store needed)."""

from __future__ import annotations

import math
import socket
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphflow.errors import NotStorableError
from graphflow.orm import Bool, Dict, Float, Int, List, Str, to_node
from graphflow.orm._values import canonical_json, check_storable
from graphflow.store import INT64_MAX, INT64_MIN

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


def test_arithmetic_gives_new_unstored_nodes() -> None:
    total = Int(3) + Int(4)
    assert isinstance(total, Int)
    assert total.value == 7
    assert not total.is_stored
    assert isinstance(Int(3) * 2.5, Float)
    assert (2 - Int(5)).value == -3
    assert Int(7) // 2 == 3
    assert Float(1.5) + 1 == 2.5
    assert Str("a") + "b" == "ab"
    assert -Int(2) == -2
    assert Int(3) < Int(4) <= 4
    assert Int(3) == 3
    assert Int(3) != 4


def test_coercion_refuses_wrong_types() -> None:
    with pytest.raises(NotStorableError, match=r"Int cannot hold 1\.5"):
        Int(1.5)
    with pytest.raises(NotStorableError, match="Int needs an int, got a bool"):
        Int(True)
    with pytest.raises(NotStorableError, match="Str cannot hold 3"):
        Str(3)
    with pytest.raises(NotStorableError, match="Bool cannot hold 2"):
        Bool(2)
    assert Bool(1).value is True


def test_float_keeps_nan_natively() -> None:
    nan = Float(float("nan"))
    assert math.isnan(nan.value)
    assert nan._native_properties()["value"] != nan._native_properties()["value"]


def test_dict_and_list_refuse_non_json() -> None:
    with pytest.raises(NotStorableError, match="key 1 of type int"):
        Dict({1: "x"})
    with pytest.raises(NotStorableError, match=r"a\.b is nan"):
        Dict({"a": {"b": float("nan")}})
    with socket.socket() as sock, pytest.raises(NotStorableError, match=r"list\[1\] is a socket"):
        List([1, sock])
    d = Dict(dict={"a": 1}, b=2)
    assert d["a"] == 1
    assert d == {"a": 1, "b": 2}
    assert List([1, "x"]) == [1, "x"]


def test_to_node_wraps_plain_values() -> None:
    assert isinstance(to_node(1), Int)
    assert isinstance(to_node(1.0), Float)
    assert isinstance(to_node("s"), Str)
    assert isinstance(to_node(True), Bool)
    assert isinstance(to_node({"a": 1}), Dict)
    with pytest.raises(NotStorableError, match="cannot become a data node"):
        to_node(object())


@given(json_values)
def test_json_round_trip_is_byte_stable(value: object) -> None:
    checked = check_storable(value, "v", "test")
    text = canonical_json(checked)
    import json

    assert canonical_json(json.loads(text)) == text


# --- values at the edges of their types ------------------------------------------------


@given(st.integers())
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_an_int_of_any_size_survives_its_store_properties(value: int) -> None:
    node = Int(value)
    props = node._native_properties()
    back = Int._from_properties({"uuid": "u", **props})
    assert back.value == value
    assert isinstance(props["value"], int) == (INT64_MIN <= value <= INT64_MAX)


def test_an_int_too_long_for_decimal_text_is_refused_at_creation() -> None:
    with pytest.raises(NotStorableError, match="Int cannot hold an integer of 16,610 bits"):
        Int(10**5000)


def test_a_str_too_large_for_a_property_is_refused_at_creation() -> None:
    with pytest.raises(NotStorableError, match=r"Str of 10,000,000 characters .* SinglefileData"):
        Str("x" * 10_000_000)
    with pytest.raises(NotStorableError, match=r"Str of 1,000,000 characters \(6,000,012 bytes"):
        Str("é" * 1_000_000)  # JSON escapes it: six bytes a character
    assert len(Str("x" * 1_000_000)) == 1_000_000


def test_deeply_nested_lists_are_refused_with_a_clear_error() -> None:
    value: list[object] = []
    for _ in range(5000):
        value = [value]
    with pytest.raises(NotStorableError, match="nested more than 200 lists or dicts"):
        List(value)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Str("bad\ud800"),
        lambda: Dict({"name": "x\udcff"}),
        lambda: Dict({"bad\ud800": 1}),
        lambda: List(["ok", "\udcff"]),
    ],
    ids=["str", "dict-value", "dict-key", "list-item"],
)
def test_text_that_is_not_unicode_is_refused_when_the_node_is_made(make: Any) -> None:
    with pytest.raises(NotStorableError, match="lone surrogate"):
        make()
