"""The values a property may hold, checked when a write is built (no store needed)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphflow.errors import NotStorableError
from graphflow.store import INT64_MAX, INT64_MIN, MAX_TEXT_BYTES, WriteBatch, _writer
from graphflow.store._limits import check_properties


@given(st.integers(min_value=INT64_MIN, max_value=INT64_MAX))
def test_every_64_bit_integer_is_accepted(value: int) -> None:
    assert check_properties({"value": value}, "node x") > 0


@given(st.one_of(st.integers(min_value=INT64_MAX + 1), st.integers(max_value=INT64_MIN - 1)))
def test_integers_outside_64_bits_are_refused_naming_node_and_property(value: int) -> None:
    with pytest.raises(NotStorableError, match=r"node x: property 'value' is the integer"):
        check_properties({"value": value}, "node x")


def test_a_huge_integer_is_described_without_converting_it_to_text() -> None:
    with pytest.raises(NotStorableError, match=r"of 16,610 bits"):
        check_properties({"value": 10**5000}, "node x")


def test_integers_inside_lists_are_checked_with_their_index() -> None:
    with pytest.raises(NotStorableError, match=r"property 'xs\[2\]'"):
        check_properties({"xs": [1, 2, 2**64]}, "node x")


def test_text_is_measured_in_utf8_bytes() -> None:
    fits = "é" * (MAX_TEXT_BYTES // 2)
    assert check_properties({"t": fits}, "n") >= MAX_TEXT_BYTES
    with pytest.raises(NotStorableError, match=r"property 't' is a string of 4,194,306 bytes"):
        check_properties({"t": fits + "é"}, "n")


def test_a_batch_refuses_a_bad_value_in_every_kind_of_row() -> None:
    batch = WriteBatch()
    with pytest.raises(NotStorableError, match=r"new Int node u1"):
        batch.create("Int", {"uuid": "u1", "value": 2**63})
    with pytest.raises(NotStorableError, match=r"node p1: property 'checkpoint'"):
        batch.update("p1", {"checkpoint": "x" * (MAX_TEXT_BYTES + 1)})
    with pytest.raises(NotStorableError, match=r"log record l1"):
        batch.add_log({"uuid": "l1", "message": "x" * (MAX_TEXT_BYTES + 1)})
    assert not batch  # nothing half-added


def test_large_rows_are_split_into_statements_below_the_message_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_writer, "MAX_STATEMENT_BYTES", 1000)
    batch = WriteBatch()
    for i in range(10):
        batch.create("Str", {"uuid": f"n{i}", "value": "x" * 300})
    batch.update("n0", {"label": "y" * 10})
    statements = list(batch.statements())
    assert [len(s["nodes_Str"]) for s in statements] == [3, 3, 3, 1]
    assert [row["uuid"] for s in statements for row in s["nodes_Str"]] == [
        f"n{i}" for i in range(10)
    ]


def test_a_group_stops_growing_at_its_byte_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_writer, "MAX_GROUP_BYTES", 2500)
    writer = _writer.GroupCommitWriter(store=None)  # type: ignore[arg-type]
    for i in range(5):
        batch = WriteBatch()
        batch.create("Str", {"uuid": f"n{i}", "value": "x" * 1000})
        writer._queue.append(_writer._Pending(batch, done=None))  # type: ignore[arg-type]
    sizes = []
    while writer._queue:
        sizes.append(len(writer._take_group()))
    assert sizes == [2, 2, 1]


@settings(max_examples=200, deadline=None)
@given(
    value=st.one_of(st.integers(max_value=-(2**63) - 1), st.integers(min_value=2**63)),
    depth=st.integers(0, 4),
)
def test_a_parameter_integer_outside_64_bits_is_refused_naming_where(
    value: int, depth: int
) -> None:
    from graphflow.errors import QueryError
    from graphflow.store._limits import check_parameters

    nested: object = value
    for level in range(depth):
        nested = {"k": nested} if level % 2 else [0, nested]
    with pytest.raises(QueryError, match=r"parameter \$p.* outside the 64-bit range"):
        check_parameters({"p": nested}, "the statement")


@given(value=st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_a_parameter_integer_inside_64_bits_passes(value: int) -> None:
    from graphflow.store._limits import check_parameters

    check_parameters({"p": [value, {"k": value}], "b": True}, "the statement")


@pytest.mark.parametrize("text", ["bad\ud800", "\udcff", "a\udc80b", "é\ud83d"])
def test_text_with_a_lone_surrogate_is_refused_naming_node_property_and_position(
    text: str,
) -> None:
    """What os.listdir gives for a file name that is not UTF-8: no store can hold it, and
    the driver failed on it only when the group commit was sent."""
    position = next(i for i, ch in enumerate(text) if 0xD800 <= ord(ch) <= 0xDFFF)
    with pytest.raises(
        NotStorableError, match=rf"node n1: property 'label' holds .* at position {position}"
    ):
        check_properties({"label": text}, "node n1")
    batch = WriteBatch()
    with pytest.raises(NotStorableError, match="lone surrogate"):
        batch.create("Str", {"uuid": "n2", "value": text})


def test_text_with_valid_surrogate_pairs_and_any_unicode_is_accepted() -> None:
    assert check_properties({"label": "é 漢 😀 \x00"}, "node n1") > 0
