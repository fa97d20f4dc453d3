"""Stored text shown on a terminal: control characters made visible.

Labels, values and messages come from the store, and through archives from anyone: an
ESC sequence among them would clear the screen, retitle the window or worse on the
terminal of whoever looks at the node. Tables and the shell show such characters as
``\\x1b`` escapes instead (newlines and tabs stay as they are).
"""

from __future__ import annotations

__all__ = ["counted", "printable"]

_KEPT = {"\n", "\t"}
_VISIBLE = {
    code: f"\\x{code:02x}"
    for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))
    if chr(code) not in _KEPT
}


def printable(text: str) -> str:
    """``text`` with its control characters (C0, DEL, C1) as ``\\xNN`` escapes."""
    return text.translate(_VISIBLE) if not text.isprintable() else text


def counted(count: int, noun: str) -> str:
    """``1 worker``, ``2 workers``: a count with its noun in the number it takes."""
    return f"{count:,} {noun if count == 1 else noun + 's'}"
