"""Reading the arguments of shell commands: words, ``--options``, pks, switches.

Every problem is a :class:`ShellCommandError` whose message names the argument, what was
given and what was expected; the dispatcher adds the command's syntax to it.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphflow.errors import ShellUsageError

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

__all__ = [
    "Args",
    "parse_args",
    "parse_choice",
    "parse_count",
    "parse_node_id",
    "parse_switch",
]


@dataclass(frozen=True, slots=True)
class Args:
    """The words of a command line: positional words, option values and flags given."""

    positional: list[str]
    options: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def parse_args(
    text: str,
    *,
    options: Collection[str] = (),
    flags: Collection[str] = (),
    least: int = 0,
    most: int | None = None,
) -> Args:
    """Split ``text`` shell-style; ``options`` take a value, ``flags`` do not."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ShellUsageError(f"cannot read the arguments {text!r}: {exc}") from None
    args = Args([])
    i = 0
    while i < len(words):
        word = words[i]
        if word in options:
            if i + 1 >= len(words):
                raise ShellUsageError(f"{word} needs a value")
            args.options[word] = words[i + 1]
            i += 2
            continue
        if word in flags:
            args.flags.add(word)
        elif word.startswith("--") or (word.startswith("-") and not word[1:].isdigit()):
            known = ", ".join(sorted([*options, *flags])) or "none"
            raise ShellUsageError(f"unknown option {word} (options: {known})")
        else:
            args.positional.append(word)
        i += 1
    count = len(args.positional)
    if count < least or (most is not None and count > most):
        wanted = f"{least}" if most == least else f"{least} to {most}" if most else f"{least}+"
        raise ShellUsageError(f"expected {wanted} argument{'s' if most != 1 else ''}, got {count}")
    return args


def parse_node_id(word: str) -> int | str:
    """A pk when the word is all digits, else a uuid or uuid prefix (as the CLI reads them)."""
    return int(word) if word.isdigit() else word


def parse_count(word: str, what: str, *, allow_zero: bool = False) -> int:
    """A positive integer (or zero when ``allow_zero``)."""
    lowest = 0 if allow_zero else 1
    if word.isdigit() and int(word) >= lowest:
        return int(word)
    kind = "a non-negative" if allow_zero else "a positive"
    raise ShellUsageError(f"{what} must be {kind} integer, not {word!r}")


def parse_choice(word: str, choices: Sequence[str], what: str) -> str:
    """One of ``choices`` (case-insensitive)."""
    low = word.lower()
    if low in choices:
        return low
    raise ShellUsageError(f"{what} must be one of {', '.join(choices)}, not {word!r}")


def parse_switch(text: str, current: bool) -> bool:
    """``on`` / ``off``, or the opposite of ``current`` when nothing is given."""
    word = text.strip().lower()
    if not word:
        return not current
    if word in ("on", "true", "yes", "1"):
        return True
    if word in ("off", "false", "no", "0"):
        return False
    raise ShellUsageError(f"expected on or off, not {text.strip()!r}")
