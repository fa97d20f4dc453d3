"""Run what was typed: each piece in order, statements on the store, commands by table.

A statement runs in a read transaction unless it holds a write clause; then it runs
(in a write transaction) only in write mode, and is refused otherwise with a message
that says how to allow it. Every failure is shown where it happens and stops the rest
of the input, so a script never runs past an error.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text

from graphflow.errors import GraphflowError, QueryError, StoreUnavailableError
from graphflow.shell import commands
from graphflow.shell._render import format_error
from graphflow.shell._splitter import Piece, PieceKind, is_blank, split_input
from graphflow.shell._watchdog import watched
from graphflow.store import find_write_clause, is_write, refusal

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

    from graphflow.shell._context import ShellContext
    from graphflow.store import Store

__all__ = ["report", "run_pieces", "run_statement", "run_text"]


def _store_of(ctx: ShellContext) -> Callable[[], Awaitable[Store]]:
    async def store() -> Store:
        return (await ctx.backend()).store

    return store


def report(ctx: ShellContext, exc: GraphflowError) -> None:
    """Show an error; a lost store also starts the background reconnection."""
    if isinstance(exc, StoreUnavailableError):
        ctx.error(
            Text(
                f"{exc}\nThe shell keeps its state and reconnects when the store is back "
                "(the toolbar shows it); run the statement again then."
            )
        )
        ctx.store_lost()
        return
    ctx.error(Text(str(exc)))


async def run_statement(ctx: ShellContext, statement: str) -> bool:
    """Run one statement and show its rows; False if it was refused or failed."""
    text = statement.strip()
    clause = find_write_clause(text)
    if clause is not None and is_write(clause) and not ctx.state.write:
        how = (
            "Type :write on to allow it (it asks first)."
            if ctx.state.interactive
            else "Run the script with graphflow shell --write to allow it."
        )
        ctx.error(Text(f"refused: {refusal(clause)}, and the shell only reads.\n{how}"))
        return False
    store = (await ctx.backend()).store
    params = ctx.state.params
    limit = ctx.state.time_limit
    started = time.perf_counter()
    try:
        if clause is None or not ctx.state.write:
            # a read, or text the check does not know (the server says what is wrong)
            work = store.run_readonly(text, params, time_limit=limit)
        else:
            work = store.run_adhoc_write(text, params, time_limit=limit)
        result = await watched(_store_of(ctx), work)
    except QueryError as exc:
        ctx.error(format_error(str(exc), text))
        return False
    elapsed = time.perf_counter() - started
    ctx.state.last_statement = text
    await ctx.show_result(result, elapsed)
    if clause is not None:
        ctx.request_refresh()  # new labels, keys, pks and a new node count
    return True


async def run_pieces(ctx: ShellContext, pieces: Iterable[Piece]) -> bool:
    """Run statements and commands in order; stop at the first failure (False)."""
    for piece in pieces:
        try:
            if piece.kind is PieceKind.COMMAND:
                command = commands.find(piece.text.split(maxsplit=1)[0])
                dispatching = commands.dispatch(ctx, piece.text)
                if command.store:
                    await watched(_store_of(ctx), dispatching)
                else:
                    await dispatching
            elif not await run_statement(ctx, piece.text):
                return False
        except GraphflowError as exc:
            report(ctx, exc)
            return False
        if ctx.state.leaving:
            break
    return True


async def run_text(ctx: ShellContext, text: str) -> bool:
    """Run a script: every piece, and a last statement even without its ``;``."""
    split = split_input(text)
    pieces = list(split.pieces)
    if not is_blank(split.rest):
        pieces.append(Piece(PieceKind.STATEMENT, split.rest, split.rest_start))
    return await run_pieces(ctx, pieces)
