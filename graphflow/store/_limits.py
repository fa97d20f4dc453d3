"""What one property value may be, checked before a write leaves the process.

The Bolt encoder cannot pack an integer outside 64 bits (it raises ``OverflowError`` in
the middle of a transaction), and a server refuses a message larger than its limit
(ArcadeDB's Bolt server takes 16 MiB), sometimes by dropping the connection, which looks
like an unreachable store and is retried for minutes. Both are properties of one value,
so both are refused here, when the write is built, with the node and property named:
the one process that made the value fails and nothing else does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphflow.errors import NotStorableError, QueryError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "MAX_TEXT_BYTES",
    "check_properties",
    "unicode_problem",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
#: the largest string one property may hold (UTF-8 bytes); a node may carry a few such
#: strings (a Str's value and its JSON attributes) and still fit one Bolt message
MAX_TEXT_BYTES = 4 * 1024 * 1024
#: what a value other than a string costs in a statement, roughly
_SCALAR_BYTES = 16


def unicode_problem(text: str) -> str | None:
    """What makes ``text`` impossible to store (a lone surrogate, as ``os.listdir`` gives
    for a file name that is not UTF-8: no store and no JSON file can hold it), or None."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"holds {text[exc.start]!r} at position {exc.start}, a lone surrogate that is "
            "not text (a file name that is not UTF-8? decode it with errors='replace', or "
            "keep the bytes in a SinglefileData)"
        )
    return None


def check_properties(props: Mapping[str, Any], where: str) -> int:
    """Raise :class:`NotStorableError` for a value the store cannot take; else the
    properties' estimated size in bytes. ``where`` names the node or record."""
    size = 0
    for name, value in props.items():
        size += len(name) + _value_bytes(value, name, where)
    return size


def _value_bytes(value: Any, name: str, where: str) -> int:
    if isinstance(value, str):
        try:  # the UTF-8 size, measured by the encoding that also finds what is not text
            size = len(value) if value.isascii() else len(value.encode("utf-8"))
        except UnicodeEncodeError:
            raise NotStorableError(f"{where}: property {name!r} {unicode_problem(value)}") from None
        if size > MAX_TEXT_BYTES:
            raise NotStorableError(
                f"{where}: property {name!r} is a string of {size:,} bytes, more than the "
                f"{MAX_TEXT_BYTES:,} a stored property may hold; keep large text in a "
                "SinglefileData (the file repository)"
            )
        return size
    if isinstance(value, bool):
        return _SCALAR_BYTES
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise NotStorableError(
                f"{where}: property {name!r} is the integer {_short(value)}, outside the "
                "64-bit range a stored property may hold"
            )
        return _SCALAR_BYTES
    if isinstance(value, (list, tuple)):
        return sum(_value_bytes(item, f"{name}[{i}]", where) for i, item in enumerate(value))
    return _SCALAR_BYTES


def check_parameters(params: Mapping[str, Any], what: str) -> None:
    """Refuse a statement's parameters holding an integer the Bolt protocol cannot carry
    (outside 64 bits), naming the parameter: the driver would fail with a bare
    ``OverflowError`` deep in its packer."""
    for name, value in params.items():
        _check_parameter(value, f"${name}", what)


def _check_parameter(value: Any, path: str, what: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool):
        if not INT64_MIN <= value <= INT64_MAX:
            raise QueryError(
                f"{what}: parameter {path} is the integer {_short(value)}, outside the "
                "64-bit range the store takes"
            )
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_parameter(item, f"{path}[{i}]", what)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_parameter(item, f"{path}.{key}", what)


def _short(value: int) -> str:
    if value.bit_length() > 4000:  # str() refuses ints past 4,300 digits
        return f"of {value.bit_length():,} bits"
    text = str(value)
    return text if len(text) <= 40 else f"{text[:20]}…{text[-10:]} ({len(text)} digits)"
