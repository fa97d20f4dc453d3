"""Checking a computer's transport settings (JSON) against what a transport accepts.

Settings come from stored computer configuration, so they are checked once, all at
once, and every problem is named: unknown keys (with the known ones) and values of the
wrong type (with what was expected), style 6.2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphflow.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["check_config"]


def _type_names(types: tuple[type, ...]) -> str:
    return " or ".join("None" if kind is type(None) else kind.__name__ for kind in types)


def check_config(
    owner: str, config: Mapping[str, object], fields: Mapping[str, tuple[type, ...]]
) -> dict[str, object]:
    """Return ``config`` as a dict once every key is known and every value well typed.

    Args:
        owner: the transport's entry-point name, for messages.
        config: the settings as stored.
        fields: each accepted key and the types its value may have. ``int`` is accepted
            where ``float`` is; ``bool`` is never taken for a number.

    Raises:
        ConfigError: listing every problem.
    """
    known = ", ".join(sorted(fields))
    problems = [
        f"unknown setting {key!r}; known settings: {known}"
        for key in sorted(set(config) - set(fields))
    ]
    checked: dict[str, object] = {}
    for key, value in config.items():
        if key not in fields:
            continue
        types = fields[key]
        numeric = float in types and isinstance(value, int) and not isinstance(value, bool)
        wrong_bool = isinstance(value, bool) and bool not in types
        if wrong_bool or not (numeric or isinstance(value, types)):
            problems.append(
                f"{key}: expected {_type_names(types)}, got {value!r} ({type(value).__name__})"
            )
            continue
        checked[key] = float(value) if numeric and isinstance(value, int) else value
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        raise ConfigError(f"{owner} settings: {len(problems)} {noun}:\n{lines}")
    return checked
