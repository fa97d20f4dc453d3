"""Handlers of the commands that change how the shell behaves or keep its results.

``:param``/``:params``, ``:format``, ``:vertical``, ``:limit``, ``:pager``, ``:write``,
``:export``, ``:edit`` and ``:refresh``. Each takes the context and the argument text.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from graphflow.errors import ShellCommandError, ShellUsageError
from graphflow.shell._args import parse_args, parse_choice, parse_count, parse_switch
from graphflow.shell._params import parse_param
from graphflow.shell._render import OutputFormat, cell_text, result_csv, result_json

if TYPE_CHECKING:
    from graphflow.shell._context import ShellContext

__all__ = [
    "do_edit",
    "do_export",
    "do_format",
    "do_limit",
    "do_pager",
    "do_param",
    "do_params",
    "do_refresh",
    "do_vertical",
    "do_write",
]

_FORMATS = tuple(f.value for f in OutputFormat)
_EXPORT_FORMATS = ("csv", "json")


def _value_text(value: object) -> str:
    return repr(value) if isinstance(value, str) else cell_text(value)


async def _say(ctx: ShellContext, message: str, style: str = "green") -> None:
    await ctx.show(Text(message, style=style))


async def do_param(ctx: ShellContext, args: str) -> None:
    """Set parameters from literals; with no argument, list them."""
    if not args.strip():
        await do_params(ctx, "")
        return
    values = parse_param(args)
    ctx.state.params.update(values)
    for name, value in values.items():
        await _say(ctx, f"${name} = {_value_text(value)}")


async def do_params(ctx: ShellContext, args: str) -> None:
    """List the parameters, or forget them all with ``clear``."""
    word = args.strip().lower()
    if word == "clear":
        ctx.state.params.clear()
        await _say(ctx, "parameters cleared")
        return
    if word:
        raise ShellUsageError(f"unknown argument {args.strip()!r}: give nothing or clear")
    if not ctx.state.params:
        await _say(ctx, "no parameters (set one with :param name => value)", "dim")
        return
    table = Table("name", "value", box=None)
    for name, value in sorted(ctx.state.params.items()):
        table.add_row(Text(f"${name}"), Text(_value_text(value)))
    await ctx.show(table)


async def do_format(ctx: ShellContext, args: str) -> None:
    """Choose table, json or csv output; with no argument, say which is used."""
    if args.strip():
        ctx.state.format = OutputFormat(parse_choice(args.strip(), _FORMATS, "the format"))
    await _say(ctx, f"format: {ctx.state.format.value}")


async def do_vertical(ctx: ShellContext, args: str) -> None:
    """Show each row as a block of ``column value`` lines (for wide rows)."""
    ctx.state.vertical = parse_switch(args, ctx.state.vertical)
    await _say(ctx, f"vertical output {'on' if ctx.state.vertical else 'off'}")


async def do_limit(ctx: ShellContext, args: str) -> None:
    """Set how many rows of a result are shown (0: all)."""
    if args.strip():
        ctx.state.row_limit = parse_count(args.strip(), "the row limit", allow_zero=True)
    shown = "all rows" if ctx.state.row_limit == 0 else f"at most {ctx.state.row_limit:,} rows"
    await _say(ctx, f"showing {shown} per result")


async def do_pager(ctx: ShellContext, args: str) -> None:
    """Turn the pager for output taller than the terminal on or off."""
    ctx.state.pager = parse_switch(args, ctx.state.pager)
    await _say(ctx, f"pager {'on' if ctx.state.pager else 'off'}")


async def do_write(ctx: ShellContext, args: str) -> None:
    """Allow statements that change the graph, after confirmation; ``off`` ends it."""
    wanted = parse_switch(args, ctx.state.write)
    if not wanted:
        ctx.state.write = False
        await _say(ctx, "read-only: statements that write are refused again")
        return
    if ctx.state.write:
        await _say(ctx, "write mode is already on (:write off ends it)", "yellow")
        return
    if not ctx.state.interactive:
        raise ShellCommandError(
            "write mode needs a confirmation nobody can give in a script; "
            "run the script with graphflow shell --write instead"
        )
    await _say(
        ctx,
        "Statements that change the graph (CREATE, MERGE, SET, DELETE, ...) will run in "
        "write transactions until :write off.\nProvenance changed by hand no longer proves "
        "where results came from.",
        "yellow",
    )
    if await ctx.confirm("Allow writes? [y/N] "):
        ctx.state.write = True
        await _say(ctx, "WRITE mode: statements may change the graph (:write off to stop)", "red")
    else:
        await _say(ctx, "still read-only", "yellow")


async def do_export(ctx: ShellContext, args: str) -> None:
    """Write the last result, every row, to a CSV or JSON file."""
    parsed = parse_args(args, options=("--format",), least=1, most=1)
    result = ctx.state.last_result
    if result is None:
        raise ShellCommandError("there is no result to export yet: run a query first")
    name = parsed.positional[0]
    if "--format" in parsed.options:
        fmt = parse_choice(parsed.options["--format"], _EXPORT_FORMATS, "the export format")
    else:
        fmt = "json" if name.lower().endswith(".json") else "csv"
    text = result_json(result) if fmt == "json" else result_csv(result)
    try:
        path = await asyncio.to_thread(_write, name, text + "\n")
    except OSError as exc:
        raise ShellCommandError(f"cannot write {name}: {exc.strerror or exc}") from exc
    await _say(ctx, f"wrote {len(result.rows):,} rows to {path} ({fmt})")


def _write(name: str, text: str) -> Path:
    path = Path(name).expanduser()
    path.write_text(text, encoding="utf-8")
    return path


async def do_edit(ctx: ShellContext, args: str) -> None:
    """Open the last statement (or the text given) in $EDITOR, to run it after review."""
    if not ctx.state.interactive:
        raise ShellCommandError("there is no editor in a script")
    ctx.edit(args.strip() or ctx.state.last_statement)


async def do_refresh(ctx: ShellContext, args: str) -> None:
    """Fetch labels, relationship types, property keys and pks for completion now."""
    metadata = await ctx.refresh()
    keys = {key for found in metadata.keys.values() for key in found}
    await _say(
        ctx,
        f"completions refreshed: {len(metadata.labels)} labels, "
        f"{len(metadata.relationship_types)} relationship types, {len(keys)} property keys, "
        f"{len(metadata.nodes)} recent pks",
        "dim",
    )
