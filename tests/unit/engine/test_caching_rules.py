"""Which calculations caching serves, and what a hash is made of (issue 26, item 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import graphflow as gf
from graphflow.config import Profile, parse_option
from graphflow.engine._caching import caching_enabled
from graphflow.errors import ConfigError
from graphflow.orm import Dict, Float, Int, Str
from graphflow.orm._process import calculation_hash


@gf.calcfunction
def add(a: gf.Int, b: gf.Int) -> gf.Int:
    return a + b


ADD = add.process_class.process_type()


def profile(**options: Any) -> Profile:
    return Profile(name="p", directory=Path("/nonexistent"), options=options)


def test_off_by_default_and_on_by_the_profile() -> None:
    assert not caching_enabled(ADD, profile())
    assert caching_enabled(ADD, profile(**{"caching.default_enabled": True}))
    assert caching_enabled(ADD, profile(**{"caching.enabled_for": ["*:add"]}))
    assert not caching_enabled("other:thing", profile(**{"caching.enabled_for": ["*:add"]}))
    # disabled_for wins over enabled_for and the default
    both = {"caching.default_enabled": True, "caching.enabled_for": [ADD]}
    assert not caching_enabled(ADD, profile(**both, **{"caching.disabled_for": ["*"]}))
    # a list written by hand as one string
    assert caching_enabled(ADD, profile(**{"caching.enabled_for": f"x:y, {ADD}"}))


def test_blocks_win_over_the_profile_innermost_first() -> None:
    on = profile(**{"caching.default_enabled": True})
    with gf.disable_caching():
        assert not caching_enabled(ADD, on)
        with gf.enable_caching(identifier=add):
            assert caching_enabled(ADD, on)
            assert not caching_enabled("other:thing", on)  # the outer block decides
    assert caching_enabled(ADD, on)
    with gf.enable_caching(identifier="*:ad?"):
        assert caching_enabled(ADD, profile())


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("caching.default_enabled", "true", True),
        ("caching.default_enabled", " No ", False),
        ("caching.default_enabled", "on", True),
        ("caching.enabled_for", "a:b, c:*", ["a:b", "c:*"]),
        ("caching.disabled_for", "", []),
    ],
)
def test_caching_options_parse(key: str, text: str, value: Any) -> None:
    assert parse_option(key, text) == value


def test_a_bad_boolean_or_process_type_is_named() -> None:
    with pytest.raises(ConfigError, match=r"'caching\.default_enabled' needs true or false"):
        parse_option("caching.default_enabled", "maybe")
    with pytest.raises(ConfigError, match="'x y' is not a process type"):
        parse_option("caching.enabled_for", "a:b, x y")


@pytest.mark.parametrize("identifier", ["", "  ", "a b", "mod:add\n"])
def test_an_identifier_that_is_no_process_type_is_refused(identifier: str) -> None:
    with (
        pytest.raises(ValueError, match="is not a process type"),
        gf.enable_caching(identifier=identifier),
    ):
        pass


values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(min_size=1, max_size=8), values, max_size=6))
def test_equal_content_is_an_equal_hash_whatever_the_order(content: dict[str, Any]) -> None:
    forward = Dict(content)
    backward = Dict(dict(reversed(list(content.items()))))
    assert forward.get_hash() == backward.get_hash()
    assert forward.clone().get_hash() == forward.get_hash()


def test_the_type_and_every_input_count() -> None:
    assert Int(1).get_hash() != Float(1.0).get_hash() != Str("1").get_hash()
    assert Int(1).get_hash() == Int(1).get_hash()
    base = calculation_hash("process.calculation.calcfunction", ADD, {}, {"a": "x", "b": "y"})
    assert base == calculation_hash(
        "process.calculation.calcfunction", ADD, {}, {"b": "y", "a": "x"}
    )
    assert base != calculation_hash(
        "process.calculation.calcfunction", ADD, {}, {"a": "y", "b": "x"}
    )
    assert base != calculation_hash(
        "process.calculation.calcfunction", "m:other", {}, {"a": "x", "b": "y"}
    )
    assert base != calculation_hash(
        "process.calculation.calcfunction", ADD, {"v": 1}, {"a": "x", "b": "y"}
    )


def test_a_clone_is_new_unstored_and_keeps_no_extras() -> None:
    original = Dict({"energy": -1.5})
    original.set_extra("tag", "mine")
    twin = original.clone()
    assert twin.uuid != original.uuid
    assert not twin.is_stored
    assert twin.get_dict() == {"energy": -1.5}
    assert twin.extras == {}


scalars = (
    st.integers().map(Int)
    | st.floats(allow_nan=True, allow_infinity=True).map(Float)
    | st.text().map(Str)
)


@given(scalars, scalars)
def test_two_values_share_a_hash_only_when_they_are_the_same_value(a: Any, b: Any) -> None:
    """NaN, the infinities and -0.0 are told apart (a Float's JSON attribute cannot be)."""
    same = type(a) is type(b) and repr(a.value) == repr(b.value)
    assert (a.get_hash() == b.get_hash()) == same
