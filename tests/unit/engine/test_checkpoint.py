"""Checkpoints: round trip, byte-stable dumps, refusals naming the key, old versions load."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphflow.engine._checkpoint import Checkpoint, decode_value, dumps, encode_value, loads
from graphflow.errors import CheckpointError
from graphflow.orm import Int

GOLDEN = Path(__file__).parent / "checkpoints"

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=15,
)


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@given(values)
def test_values_round_trip_exactly(value: Any) -> None:
    encoded = encode_value(value, "ctx.x")
    text = json.dumps(encoded, allow_nan=False)
    assert same(decode_value(json.loads(text), {}), value)


@given(st.dictionaries(st.text(max_size=5), values, max_size=5))
def test_dump_is_byte_stable(ctx: dict[str, Any]) -> None:
    checkpoint = Checkpoint("mod:Cls", "running", ctx=encode_value(ctx, "ctx"))
    text = dumps(checkpoint)
    assert dumps(loads(text)) == text


def test_stored_nodes_are_kept_by_reference() -> None:
    node = Int(5)
    node._mark_stored(42, None)  # type: ignore[arg-type]
    encoded = encode_value({"n": node}, "ctx")
    assert encoded == {"n": {"@node": node.uuid}}
    assert decode_value(encoded, {node.uuid: node})["n"] is node


def test_refusals_name_the_key() -> None:
    with pytest.raises(CheckpointError, match=r"ctx\.handle holds a builtins\.object"):
        encode_value({"handle": object()}, "ctx")
    with pytest.raises(CheckpointError, match=r"ctx\.n holds an unstored Int"):
        encode_value({"n": Int(1)}, "ctx")


def test_newer_version_is_refused() -> None:
    data = json.loads(dumps(Checkpoint("m:C", "running")))
    data["version"] = 99
    with pytest.raises(CheckpointError, match="version 99 was written by a newer graphflow"):
        loads(json.dumps(data))


def test_damaged_checkpoints_name_the_field() -> None:
    data = json.loads(dumps(Checkpoint("m:C", "running")))
    data["ctx"] = []
    with pytest.raises(CheckpointError, match="field 'ctx'"):
        loads(json.dumps(data))
    with pytest.raises(CheckpointError, match="not a graphflow checkpoint"):
        loads("{}")


@pytest.mark.parametrize(
    "path", sorted(GOLDEN.glob("v*/*.json")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_golden_checkpoints_keep_loading(path: Path) -> None:
    checkpoint = loads(path.read_text())
    expected = json.loads(path.with_suffix(".expected").read_text())
    assert checkpoint.process_type == expected["process_type"]
    assert checkpoint.position == expected["position"]
    assert checkpoint.ctx == expected["ctx"]
    # the values decode (tuples, NaN, ...) and encode back to what was stored
    assert encode_value(decode_value(checkpoint.ctx, {}), "ctx") == checkpoint.ctx
    raw = json.loads(path.read_text())
    assert checkpoint.state == raw["state"]
    assert checkpoint.awaiting == raw["awaiting"]
    assert checkpoint.outputs == raw["outputs"]
    # an old checkpoint is written back byte for byte as it was read
    assert dumps(checkpoint) == path.read_text().strip()


def test_golden_fixtures_exist() -> None:
    assert list(GOLDEN.glob("v1/*.json")), "every checkpoint version needs golden fixtures"
