"""Handlers of the process commands: ``:ps``, ``:pause``, ``:play`` and ``:kill``.

They do what ``graphflow process list|pause|play|kill`` do, through the same engine
functions, and draw the same table (with the views of :mod:`graphflow.lineage._views`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from graphflow.control import akill, apause, aplay
from graphflow.engine import alist_processes
from graphflow.lineage._views import process_table
from graphflow.shell._args import parse_args, parse_choice, parse_count, parse_node_id
from graphflow.types import ProcessState

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from graphflow.control import ControlResult
    from graphflow.shell._context import ShellContext

__all__ = ["STATES", "do_kill", "do_pause", "do_play", "do_ps"]

STATES = tuple(state.value for state in ProcessState)


async def do_ps(ctx: ShellContext, args: str) -> None:
    """Processes, newest first: those not terminated, or all with ``-a``."""
    parsed = parse_args(args, options=("--state", "--limit"), flags=("-a", "--all"), most=0)
    states = None
    if "--state" in parsed.options:
        states = [ProcessState(parse_choice(parsed.options["--state"], STATES, "--state"))]
    elif parsed.flags & {"-a", "--all"}:
        states = list(ProcessState)
    limit = parse_count(parsed.options.get("--limit", "100"), "--limit")
    nodes = await alist_processes(await ctx.backend(), states=states, limit=limit)
    table = process_table(nodes)
    note = "" if states else " (not terminated; -a for all)"
    count = f"{len(nodes)} process" + ("" if len(nodes) == 1 else "es")
    await ctx.show(table, Text(f"{count}{note}", style="dim"))


async def _control(
    ctx: ShellContext, args: str, action: Callable[[int | str], Awaitable[ControlResult]]
) -> None:
    parsed = parse_args(args, least=1)
    await ctx.backend()  # connect first, so an unreachable store is one clear error
    for word in parsed.positional:
        result = await action(parse_node_id(word))
        await ctx.show(Text(result.message, style="green" if result.done else "yellow"))
    ctx.request_refresh()


async def do_pause(ctx: ShellContext, args: str) -> None:
    """Pause processes: they stop at their next step boundary and keep their state."""
    await _control(ctx, args, apause)


async def do_play(ctx: ShellContext, args: str) -> None:
    """Let paused processes continue."""
    await _control(ctx, args, aplay)


async def do_kill(ctx: ShellContext, args: str) -> None:
    """Kill processes, and the children they wait for."""
    await _control(ctx, args, akill)
