"""``:param name => value``: Cypher literals read into Python values, on the client.

Only literals are accepted (numbers, strings, booleans, null, lists and maps of them):
the value is never sent to the server as query text, so setting a parameter cannot run
anything, and its value is exactly what was typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphflow.errors import ShellUsageError
from graphflow.shell._lexer import Token, TokenKind, tokenize

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["parse_literal", "parse_param"]

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "\\": "\\", "'": "'", '"': '"'}
_WORDS = {"true": True, "false": False, "null": None}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: Sequence[Token] = [
            t for t in tokenize(text) if t.kind is not TokenKind.COMMENT
        ]
        self.i = 0

    def fail(self, what: str) -> ShellUsageError:
        where = self.tokens[self.i].start if self.i < len(self.tokens) else len(self.text)
        return ShellUsageError(
            f"cannot read {self.text.strip()!r} as a value: {what} at position {where + 1}; "
            "use a literal such as 42, 1.5, 'text', true, null, [1, 2] or {key: 'value'}"
        )

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, symbol: str) -> bool:
        token = self.peek()
        if token is not None and token.kind is TokenKind.PUNCT and token.text == symbol:
            self.i += 1
            return True
        return False

    def value(self) -> Any:
        token = self.peek()
        if token is None:
            raise self.fail("a value is missing")
        if self.take("-"):
            number = self.peek()
            if number is None or number.kind is not TokenKind.NUMBER:
                raise self.fail("a number must follow '-'")
            return -self.number()
        if token.kind is TokenKind.NUMBER:
            return self.number()
        if token.kind is TokenKind.STRING:
            if not token.closed:
                raise self.fail("the string is not closed")
            self.i += 1
            return _unescape(token.text[1:-1])
        if token.kind is TokenKind.WORD and token.text.lower() in _WORDS:
            self.i += 1
            return _WORDS[token.text.lower()]
        if self.take("["):
            return self.list_()
        if self.take("{"):
            return self.map_()
        raise self.fail(f"{token.text!r} is not a literal")

    def number(self) -> int | float:
        token = self.tokens[self.i]
        self.i += 1
        text = token.text.replace("_", "")
        try:
            if text.lower().startswith("0x"):
                return int(text, 16)
            if any(ch in text for ch in ".eE"):
                return float(text)
            return int(text)
        except ValueError:
            self.i -= 1
            raise self.fail(f"{token.text!r} is not a number") from None

    def list_(self) -> list[Any]:
        items: list[Any] = []
        if self.take("]"):
            return items
        while True:
            items.append(self.value())
            if self.take("]"):
                return items
            if not self.take(","):
                raise self.fail("expected ',' or ']'")

    def map_(self) -> dict[str, Any]:
        items: dict[str, Any] = {}
        if self.take("}"):
            return items
        while True:
            key = self.key()
            if not self.take(":"):
                raise self.fail(f"expected ':' after the key {key!r}")
            items[key] = self.value()
            if self.take("}"):
                return items
            if not self.take(","):
                raise self.fail("expected ',' or '}'")

    def key(self) -> str:
        token = self.peek()
        if token is None:
            raise self.fail("a key is missing")
        self.i += 1
        if token.kind is TokenKind.WORD:
            return token.text
        if token.kind is TokenKind.NAME and token.closed:
            return token.text[1:-1].replace("``", "`")
        if token.kind is TokenKind.STRING and token.closed:
            return _unescape(token.text[1:-1])
        self.i -= 1
        raise self.fail(f"{token.text!r} is not a map key")

    def done(self) -> None:
        if self.peek() is not None:
            raise self.fail("unexpected text after the value")


def _unescape(body: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            code = body[i + 1]
            if code in ("u", "U"):
                width = 4 if code == "u" else 8
                digits = body[i + 2 : i + 2 + width]
                if len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
                    out.append(chr(int(digits, 16)))
                    i += 2 + width
                    continue
            out.append(_ESCAPES.get(code, "\\" + code))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def parse_literal(text: str) -> Any:
    """The Python value of one Cypher literal."""
    parser = _Parser(text)
    value = parser.value()
    parser.done()
    return value


def parse_param(text: str) -> dict[str, Any]:
    """The parameters set by ``:param``'s argument text, by name."""
    stripped = text.strip()
    if stripped.startswith("{"):
        value = parse_literal(stripped)
        assert isinstance(value, dict)
        return value
    name, arrow, rest = stripped.partition("=>")
    name = name.strip()
    if name.startswith("`") and name.endswith("`") and len(name) > 1:
        name = name[1:-1].replace("``", "`")
    elif name.startswith("$"):
        name = name[1:]
    if not arrow or not name or not (name.replace("_", "a").isalnum() or stripped[0] == "`"):
        raise ShellUsageError(f"cannot read {stripped!r} as NAME => VALUE")
    return {name: parse_literal(rest)}
