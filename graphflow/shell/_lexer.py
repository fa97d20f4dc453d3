"""Cut Cypher text into tokens, never failing: the shared ground of splitting and completion.

The lexer knows only what both callers need: where string literals, back-quoted names
and comments begin and end (so a ``;`` or a ``:`` inside them means nothing), words,
numbers and single punctuation characters. Unterminated strings and comments are tokens
too, marked ``closed=False``, because text being typed is usually unfinished.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Token", "TokenKind", "iter_tokens", "tokenize"]


class TokenKind(enum.Enum):
    """What a token is; keywords are words (the analysis decides what a word means)."""

    WORD = "word"
    NUMBER = "number"
    STRING = "string"
    NAME = "name"  # a `back-quoted` name
    PUNCT = "punct"
    COMMENT = "comment"


@dataclass(frozen=True, slots=True)
class Token:
    """One token: ``text`` is ``source[start:end]``; ``closed`` is False for an unfinished one."""

    kind: TokenKind
    text: str
    start: int
    end: int
    closed: bool = True


def _is_word_start(ch: str) -> bool:
    return ch.isalpha() or ch == "_"


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _quoted_end(text: str, start: int) -> tuple[int, bool]:
    """End offset of the quoted token opened at ``start``, and whether it was closed."""
    quote = text[start]
    n = len(text)
    i = start + 1
    while i < n:
        ch = text[i]
        if ch == "\\" and quote != "`":
            i += 2
            continue
        if ch == quote:
            if quote == "`" and i + 1 < n and text[i + 1] == "`":
                i += 2  # `` is an escaped back-quote inside a name
                continue
            return i + 1, True
        i += 1
    return n, False


def _number_end(text: str, start: int) -> int:
    n = len(text)
    i = start
    if text.startswith(("0x", "0X"), i):
        i += 2
        while i < n and text[i] in "0123456789abcdefABCDEF_":
            i += 1
        return i
    while i < n and (text[i].isdigit() or text[i] == "_"):
        i += 1
    # a fraction, but not the start of a range (1..3) or a property access (1.x is odd anyway)
    if i + 1 < n and text[i] == "." and text[i + 1].isdigit():
        i += 1
        while i < n and text[i].isdigit():
            i += 1
    if i < n and text[i] in "eE":
        j = i + 1
        if j < n and text[j] in "+-":
            j += 1
        if j < n and text[j].isdigit():
            i = j
            while i < n and text[i].isdigit():
                i += 1
    return i


def iter_tokens(text: str, start: int = 0) -> Iterator[Token]:
    """Tokens of ``text`` from offset ``start``, lazily; whitespace is skipped."""
    n = len(text)
    i = start
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            end = n if j < 0 else j
            yield Token(TokenKind.COMMENT, text[i:end], i, end, closed=j >= 0)
            i = end
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            end = n if j < 0 else j + 2
            yield Token(TokenKind.COMMENT, text[i:end], i, end, closed=j >= 0)
            i = end
        elif ch in ("'", '"', "`"):
            end, closed = _quoted_end(text, i)
            kind = TokenKind.NAME if ch == "`" else TokenKind.STRING
            yield Token(kind, text[i:end], i, end, closed=closed)
            i = end
        elif ch.isdigit():
            end = _number_end(text, i)
            yield Token(TokenKind.NUMBER, text[i:end], i, end)
            i = end
        elif _is_word_start(ch):
            end = i + 1
            while end < n and _is_word_char(text[end]):
                end += 1
            yield Token(TokenKind.WORD, text[i:end], i, end)
            i = end
        else:
            yield Token(TokenKind.PUNCT, ch, i, i + 1)
            i += 1


def tokenize(text: str) -> list[Token]:
    """Every token of ``text``."""
    return list(iter_tokens(text))
