"""Stored text reaches a terminal with its control characters made visible: a label
from an imported archive must not clear the screen or retitle the window."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

import graphflow as gf
from graphflow._terminal import printable
from graphflow.lineage._views import node_table

INJECTED = "A\x1b[2J\x1b]0;pwned\x07B\x9b31m"


def test_control_characters_become_visible_escapes() -> None:
    assert printable(INJECTED) == "A\\x1b[2J\\x1b]0;pwned\\x07B\\x9b31m"
    assert printable("tabs\tand\nnewlines stay; é 漢 😀 too") == (
        "tabs\tand\nnewlines stay; é 漢 😀 too"
    )


@given(st.text())
def test_nothing_a_terminal_obeys_is_left(text: str) -> None:
    shown = printable(text)
    assert not any((ord(ch) < 0x20 and ch not in "\n\t") or 0x7F <= ord(ch) < 0xA0 for ch in shown)


def test_node_show_prints_an_injected_label_as_text() -> None:
    node = gf.Str(INJECTED, label="L\x1b[31mRED")
    out = io.StringIO()
    Console(file=out, force_terminal=True, width=200).print(node_table(node))
    text = out.getvalue()
    assert "\x1b[2J" not in text
    assert "\x1b]0;" not in text
    assert "\\x1b[2J" in text
    assert "L\\x1b[31mRED" in text
