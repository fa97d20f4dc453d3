"""Split shell input into Cypher statements and shell commands.

A statement ends at a ``;`` that is outside string literals, back-quoted names and
comments. A command starts with ``:`` or ``\\`` where a statement could start (at the
beginning of the input or after a ``;``); it ends at the end of its line, or at a ``;``
outside quotes (so ``-c ":ancestors 8; :tree 4"`` holds two commands).
What follows the last complete piece is the *rest*: text still being typed, which the
prompt keeps for more lines (Enter inserts a newline) unless it is blank.

::

    MATCH (n:Int)          <- statement 1, over two lines
    RETURN n.value;
    :ancestors 8 --depth 2 <- a command
    RETURN 'a;b';          <- statement 2 (the ; in the string does not end it)
    MATCH (n)              <- the rest: not finished
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from graphflow.shell._lexer import TokenKind, iter_tokens

__all__ = [
    "Piece",
    "PieceKind",
    "Split",
    "edit_request",
    "is_blank",
    "is_complete",
    "is_leave_request",
    "split_input",
]

_COMMAND_STARTS = (":", "\\")
_LEAVE_WORDS = frozenset({"exit", "quit"})


class PieceKind(enum.Enum):
    STATEMENT = "statement"
    COMMAND = "command"


@dataclass(frozen=True, slots=True)
class Piece:
    """A statement (without its ``;``) or a command line, and where it starts in the input."""

    kind: PieceKind
    text: str
    start: int


@dataclass(frozen=True, slots=True)
class Split:
    """The complete pieces of an input and the unfinished rest after them."""

    pieces: tuple[Piece, ...]
    rest: str
    rest_start: int


def is_blank(text: str) -> bool:
    """Whether ``text`` holds nothing but whitespace and finished comments."""
    return all(
        token.kind is TokenKind.COMMENT and (token.closed or token.text.startswith("//"))
        for token in iter_tokens(text)
    )


def split_input(text: str) -> Split:
    """The statements and commands of ``text``, in order; blank statements are dropped."""
    pieces: list[Piece] = []
    n = len(text)
    i = 0
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            return Split(tuple(pieces), "", n)
        if text[i] in _COMMAND_STARTS:
            end = _command_end(text, i)
            pieces.append(Piece(PieceKind.COMMAND, text[i:end].strip(), i))
            i = end + 1 if text.startswith(";", end) else end
            continue
        terminator = None
        for token in iter_tokens(text, i):
            if token.kind is TokenKind.PUNCT and token.text == ";":
                terminator = token.start
                break
        if terminator is None:
            return Split(tuple(pieces), text[i:], i)
        statement = text[i:terminator]
        if not is_blank(statement):
            pieces.append(Piece(PieceKind.STATEMENT, statement, i))
        i = terminator + 1


def _command_end(text: str, start: int) -> int:
    """Where the command starting at ``start`` ends: its line's end or a ``;`` in it."""
    newline = text.find("\n", start)
    end = len(text) if newline < 0 else newline
    for token in iter_tokens(text, start):
        if token.start >= end:
            break
        if token.kind is TokenKind.PUNCT and token.text == ";":
            return token.start
    return end


def edit_request(text: str) -> str | None:
    """The statement before a trailing ``\\e`` (outside strings and comments), else None."""
    tokens = list(iter_tokens(text))
    if len(tokens) < 2:
        return None
    slash, letter = tokens[-2], tokens[-1]
    if (slash.kind, slash.text, letter.kind, letter.text) != (
        TokenKind.PUNCT,
        "\\",
        TokenKind.WORD,
        "e",
    ) or slash.end != letter.start:
        return None
    return text[: slash.start].strip()


def is_leave_request(text: str) -> bool:
    """Whether ``text`` is a bare ``exit`` or ``quit`` (as in psql and pgcli)."""
    return text.strip().lower() in _LEAVE_WORDS


def is_complete(text: str) -> bool:
    """Whether Enter should run ``text`` rather than start a new line.

    True for blank input, for input whose last statement ends with ``;`` (a lone ``;``
    on the last line runs everything above it), for a command line, for a statement
    that ends with the edit request ``\\e``, and for a bare ``exit`` or ``quit``.
    """
    rest = split_input(text).rest
    if is_blank(rest):
        return True
    return edit_request(rest) is not None or is_leave_request(rest)
