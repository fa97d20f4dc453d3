"""Reading a syntax error's position out of either server's message."""

from __future__ import annotations

import pytest

from graphflow.store import error_position, marks_its_own_position


@pytest.mark.parametrize(
    ("message", "position"),
    [
        ("Unexpected input 'RETRN' at line 2:0", (2, 0)),  # ArcadeDB: columns from 0
        ("Invalid input 'RETRN' (line 2, column 1 (offset: 15))", (2, 0)),  # Neo4j: from 1
        ("Invalid input 'x' (line 1, column 17 (offset: 16))", (1, 16)),
        ("Variable `m` not defined", None),
    ],
)
def test_positions_are_line_from_one_and_column_from_zero(message, position) -> None:
    assert error_position(message) == position


def test_only_messages_with_a_caret_mark_their_own_position() -> None:
    assert marks_its_own_position('Invalid input\n"RETRN n"\n ^')
    assert not marks_its_own_position("Unexpected input 'RETRN' at line 2:0")
