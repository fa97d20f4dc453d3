"""Helpers shared by CLI verbs: the selected profile, the console, option prompting."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console

if TYPE_CHECKING:
    from collections.abc import Callable

    from graphflow.config import Profile

__all__ = ["ask", "console", "err_console", "non_interactive_option", "use_profile"]

T = TypeVar("T")

#: piped or redirected, tables keep their full width (no terminal to fit, and a cut
#: path or label would be lost to the script reading it)
console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 1000)
err_console = Console(stderr=True, highlight=False)

non_interactive_option = click.option(
    "-n",
    "--non-interactive",
    is_flag=True,
    help="Never prompt: an option that is missing is an error.",
)


def use_profile(ctx: click.Context) -> Profile:
    """Select the profile given with ``graphflow -p NAME`` (or the default) and return it."""
    from graphflow.orm import load_profile

    root = ctx.find_root()
    name = (root.obj or {}).get("profile")
    return load_profile(name)


def ask(
    value: T | None,
    *,
    option: str,
    prompt: str,
    non_interactive: bool,
    default: Any = None,
    type: Any = None,
    required: bool = True,
    convert: Callable[[Any], T] | None = None,
) -> T | None:
    """The option's value, prompting for it when omitted (unless non-interactive)."""
    if value is not None:
        return value
    if non_interactive:
        if default is not None:
            return default  # type: ignore[no-any-return]
        if required:
            raise click.UsageError(f"{option} is required with --non-interactive")
        return None
    answer = click.prompt(prompt, default=default, type=type, show_default=default is not None)
    if answer in ("", None) and not required:
        return None
    return convert(answer) if convert else answer
