"""Which entries of a mapping become properties, and under which names (store._model)."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from graphflow.store import INT64_MAX, INT64_MIN
from graphflow.store._limits import check_properties
from graphflow.store._model import MAX_LIST, MAX_TEXT, RESERVED, SEPARATOR, entry_properties

KEYS = st.text(min_size=0, max_size=12)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4)
)


def key_path(name: str, namespace: str = "") -> list[str]:
    parts = name.split(SEPARATOR)
    if namespace:
        assert parts[0] == namespace
        parts = parts[1:]
    return parts


def lookup(entries: dict[str, Any], path: list[str]) -> Any:
    value: Any = entries
    for part in path:
        value = value[part]
    return value


@given(st.dictionaries(KEYS, VALUES, max_size=8), st.sampled_from(["", "extras"]))
def test_every_property_reads_back_to_one_entry_with_its_value(
    entries: dict[str, Any], namespace: str
) -> None:
    props = entry_properties(entries, namespace)
    check_properties(props, "the model test")  # what the store accepts
    for name, value in props.items():
        path = key_path(name, namespace)
        assert all(part and "__" not in part and not part.endswith("_") for part in path)
        original = lookup(entries, path)
        assert original == value or (isinstance(original, tuple) and list(original) == value)
        assert not isinstance(value, (dict, type(None)))
    if not namespace:
        assert not RESERVED & set(props)


def test_the_documented_names() -> None:
    props = entry_properties(
        {"energy": -12.5, "cell": {"a": 5.43, "angles": [90.0, 90.0, 90.0]}, "converged": True},
    )
    assert props == {
        "energy": -12.5,
        "cell__a": 5.43,
        "cell__angles": [90.0, 90.0, 90.0],
        "converged": True,
    }
    assert entry_properties({"tag": "final", "scf": {"steps": 12}}, "extras") == {
        "extras__tag": "final",
        "extras__scf__steps": 12,
    }


def test_what_stays_in_the_json_only() -> None:
    entries = {
        "uuid": "mine",  # the node's own property names
        "label": "x",
        "hash": "h",
        "two words": 1,  # names that would need back-quotes or read back ambiguously
        "a__b": 1,
        "trailing_": 1,
        "_private": 1,
        "9lives": 1,
        "nothing": None,
        "empty": [],
        "mixed": [1, "one"],
        "ints_and_bools": [1, True],
        "maps": [{"a": 1}],
        "huge": 2**63,
        "tiny": INT64_MIN - 1,
        "nan": math.nan,
        "inf": [1.0, math.inf],
        "long_text": "x" * (MAX_TEXT + 1),
        "long_list": [1] * (MAX_LIST + 1),
    }
    assert entry_properties(entries) == {}


def test_values_at_the_edges_that_do_become_properties() -> None:
    props = entry_properties(
        {
            "biggest": INT64_MAX,
            "smallest": INT64_MIN,
            "text": "x" * MAX_TEXT,
            "nul": "a\x00b",
            "longest": [0.5] * MAX_LIST,
            "snake_case_name": 1,
        }
    )
    assert set(props) == {"biggest", "smallest", "text", "nul", "longest", "snake_case_name"}
