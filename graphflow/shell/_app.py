"""Start a shell: options in, exit status out, on a fresh event loop of its own."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphflow import _loop
from graphflow.orm import close_backends, current_profile
from graphflow.shell._context import DEFAULT_ROW_LIMIT, ShellState
from graphflow.shell._output import Output
from graphflow.shell._session import Session

if TYPE_CHECKING:
    from graphflow.config import Profile
    from graphflow.shell._render import OutputFormat

__all__ = ["ShellOptions", "run_shell"]

#: how long closing the store's connections may take when the shell ends
CLOSE_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class ShellOptions:
    """How to run the shell.

    ``script``: statements and commands to run instead of prompting (``-c``, ``-f``);
    ``row_limit``: rows shown per result (None: 1000 at the prompt, all in scripts);
    ``time_limit``: seconds one statement may take.
    """

    script: str | None = None
    format: OutputFormat | None = None
    write: bool = False
    row_limit: int | None = None
    time_limit: float = 120.0


def run_shell(options: ShellOptions) -> int:
    """Run the shell of the current profile until it ends; returns the exit status.

    It owns the interpreter's graphflow loop while it runs (``asyncio.run``), so call it
    from synchronous code that is not already inside graphflow's loop.
    """
    profile = current_profile()  # reads the configuration file, before the loop starts
    return asyncio.run(_main(profile, options))


async def _main(profile: Profile, options: ShellOptions) -> int:
    _loop.use_running_loop()
    interactive = options.script is None
    state = ShellState(interactive=interactive, write=options.write)
    state.time_limit = options.time_limit
    if options.format is not None:
        state.format = options.format
    if options.row_limit is not None:
        state.row_limit = options.row_limit
    else:
        state.row_limit = DEFAULT_ROW_LIMIT if interactive else 0
    session = Session(profile, state, Output(interactive=interactive))
    try:
        return await session.run(options.script)
    finally:
        # the loop ends with this coroutine: close connections (and the writer) on it;
        # a store that does not answer within the time is left to close its own sockets
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await close_backends()
