"""One shell session: the prompt loop, and the services commands use (a ShellContext).

Everything runs on graphflow's one event loop. The prompt is ``prompt_async``; the work
an input asks for runs in a task of the session's task group, which Ctrl-C cancels (a
SIGINT handler on the loop; at the prompt Ctrl-C is a key that clears the input).
Completion metadata is refreshed by a :class:`Refresher` task that swaps in a new
completer, so neither typing nor completing ever waits on the store.

::

    prompt_async ──text──▶ split ──pieces──▶ task: statements / commands ──▶ output
         ▲                                         │ Ctrl-C cancels
         └── completer ◀── swap ◀── Refresher ◀────┘ request after writes
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import TYPE_CHECKING, Any

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import DynamicCompleter
from prompt_toolkit.history import FileHistory, ThreadedHistory
from prompt_toolkit.lexers import PygmentsLexer
from prompt_toolkit.styles import Style
from pygments.lexers import CypherLexer
from rich.text import Text

from graphflow.errors import GraphflowError
from graphflow.orm import get_backend
from graphflow.shell import _execute, commands
from graphflow.shell._completer import CypherCompleter, Metadata
from graphflow.shell._editor import edit_text
from graphflow.shell._keys import key_bindings
from graphflow.shell._refresher import Connection, Refresher
from graphflow.shell._render import OutputFormat, render_result, summary_line
from graphflow.shell._splitter import (
    Piece,
    PieceKind,
    edit_request,
    is_blank,
    is_leave_request,
    split_input,
)

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from prompt_toolkit.formatted_text import StyleAndTextTuples
    from rich.console import RenderableType

    from graphflow.config import Profile
    from graphflow.orm import Backend
    from graphflow.shell._context import ShellState
    from graphflow.shell._output import Output
    from graphflow.store import QueryResult, Store

__all__ = ["Session"]

log = logging.getLogger(__name__)

STYLE = Style.from_dict(
    {
        "prompt": "ansigreen bold",
        "prompt.write": "ansired bold",
        "continuation": "ansibrightblack",
        "bottom-toolbar": "noreverse bg:#303030 #d0d0d0",
        "bottom-toolbar.write": "bg:ansired ansiwhite bold",
        "bottom-toolbar.down": "bg:ansiyellow ansiblack",
    }
)


class Session:
    """A shell session on one profile; it implements ``ShellContext`` for the commands."""

    def __init__(self, profile: Profile, state: ShellState, output: Output) -> None:
        self._profile = profile
        self._state = state
        self.output = output
        self.connection = Connection.CONNECTING
        self.metadata = Metadata()
        self.store_uri = profile.describe()["store"]
        self._completer = self._new_completer(self.metadata)
        self._refresher = Refresher(self._store, self._refreshed, self._connection_changed)
        self._prompt: PromptSession[str] | None = None
        self._tasks: asyncio.TaskGroup | None = None
        self._current: asyncio.Task[bool] | None = None
        #: whether the last input was cancelled (Ctrl-C): a script then exits 130
        self._was_cancelled = False
        self._edit: str | None = None
        self._next_input = ""

    # --- the ShellContext services ------------------------------------------------------

    @property
    def state(self) -> ShellState:
        return self._state

    @property
    def profile(self) -> Profile:
        return self._profile

    async def backend(self) -> Backend:
        backend = await get_backend(self._profile)
        self.store_uri = backend.store.uri
        return backend

    async def show(self, *renderables: RenderableType) -> None:
        await self.output.show(*renderables, page=self._state.pager)

    async def show_result(self, result: QueryResult, elapsed: float | None) -> None:
        state = self._state
        state.last_result = result
        parts: list[RenderableType] = []
        if result.keys:
            parts.append(
                render_result(result, state.format, vertical=state.vertical, limit=state.row_limit)
            )
        summary = summary_line(
            len(result.rows), limit=state.row_limit, elapsed=elapsed if state.interactive else None
        )
        if state.interactive:
            parts.append(summary)
        elif 0 < state.row_limit < len(result.rows):
            self.output.error(summary)  # scripts keep stdout for rows
        elif not result.keys and state.format is OutputFormat.TABLE:
            parts.append(summary)
        if parts:
            await self.show(*parts)

    async def confirm(self, question: str) -> bool:
        if not self._state.interactive:
            return False
        asker: PromptSession[str] = PromptSession()
        try:
            answer = await asker.prompt_async(question, handle_sigint=False)
        except (KeyboardInterrupt, EOFError):
            return False
        return answer.strip().lower() in ("y", "yes")

    async def run_text(self, text: str) -> bool:
        return await _execute.run_text(self, text)

    def edit(self, text: str) -> None:
        self._edit = text

    def request_refresh(self) -> None:
        self._refresher.request()

    async def refresh(self) -> Metadata:
        return await self._refresher.refresh_now()

    def store_lost(self) -> None:
        self._connection_changed(Connection.UNREACHABLE)
        self._refresher.request()  # it retries until the store answers, then says so

    def error(self, message: RenderableType) -> None:
        self.output.error(message)

    # --- running ------------------------------------------------------------------------

    async def run(self, script: str | None) -> int:
        """Prompt until the user leaves (``script`` None), or run ``script``; exit status."""
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, self._interrupt)
        try:
            async with asyncio.TaskGroup() as tasks:
                self._tasks = tasks
                if script is not None:
                    if await self._guarded(_execute.run_text(self, script)):
                        return 0
                    return 130 if self._was_cancelled else 1  # as Python says Ctrl-C
                refresher = tasks.create_task(self._refresher.run(), name="graphflow-shell-refresh")
                try:
                    await self._interact()
                finally:
                    refresher.cancel()  # it only reads; stopping it mid-query loses nothing
                return 0
        finally:
            self._tasks = None
            loop.remove_signal_handler(signal.SIGINT)

    def _interrupt(self) -> None:
        """SIGINT (Ctrl-C while not at the prompt): cancel the running input, if any."""
        if self._current is not None:
            self._current.cancel()

    async def _guarded(self, work: Coroutine[Any, Any, bool]) -> bool:
        """Run ``work`` as the current task, which Ctrl-C cancels; False if it failed."""
        assert self._tasks is not None, "Session.run owns the task group"
        task = self._tasks.create_task(self._catch_all(work), name="graphflow-shell-input")
        self._current = task
        try:
            await asyncio.wait([task])
        finally:
            self._current = None
            if not task.done():
                task.cancel()  # we were cancelled ourselves: the work goes with us
        self._was_cancelled = task.cancelled()
        if task.cancelled():
            # the driver closed the cancelled transaction; settings and results are as
            # they were before this input, except for pieces that had already finished
            self.output.error(Text("cancelled"))
            return False
        return task.result()

    async def _catch_all(self, work: Coroutine[Any, Any, bool]) -> bool:
        try:
            return await work
        except GraphflowError as exc:
            _execute.report(self, exc)
        except Exception as exc:
            # the shell loop is a top-level boundary: show the problem, keep the session
            log.debug("unexpected error in the shell", exc_info=True)
            self.output.error(Text(f"unexpected error: {type(exc).__name__}: {exc}"))
        return False

    async def _interact(self) -> None:
        history = self._profile.directory / "shell_history"
        await asyncio.to_thread(history.parent.mkdir, parents=True, exist_ok=True)
        self._prompt = PromptSession(
            message=self._message,
            multiline=True,
            prompt_continuation=self._continuation,
            lexer=PygmentsLexer(CypherLexer),
            completer=DynamicCompleter(lambda: self._completer),
            complete_while_typing=True,
            history=ThreadedHistory(FileHistory(str(history))),
            auto_suggest=AutoSuggestFromHistory(),
            key_bindings=key_bindings(),
            bottom_toolbar=self._toolbar,
            style=STYLE,
            search_ignore_case=True,
        )
        await self.show(
            Text.from_markup(
                f"[bold]graphflow shell[/] on profile [bold]{self._profile.name}[/]. Statements "
                "end with ;  [bold]:help[/] lists the commands, Ctrl-D leaves."
            )
        )
        self._refresher.request()
        while not self._state.leaving:
            try:
                text = await self._prompt.prompt_async(
                    default=self._next_input, handle_sigint=False
                )
            except KeyboardInterrupt:
                self._next_input = ""
                continue
            except EOFError:
                break
            self._next_input = ""
            await self._handle(text)
            if self._edit is not None:
                request, self._edit = self._edit, None
                try:
                    self._next_input = await edit_text(request)
                except GraphflowError as exc:
                    _execute.report(self, exc)

    async def _handle(self, text: str) -> None:
        """Run one accepted input: its pieces, then what its unfinished rest asks for."""
        split = split_input(text)
        if not await self._guarded(_execute.run_pieces(self, split.pieces)):
            return
        rest = split.rest
        if self._state.leaving or is_blank(rest):
            return
        edited = edit_request(rest)
        if edited is not None:
            self.edit(edited or self._state.last_statement)
        elif is_leave_request(rest):
            self._state.leaving = True
        else:  # Alt-Enter: run the statement without its ;
            piece = Piece(PieceKind.STATEMENT, rest, split.rest_start)
            await self._guarded(_execute.run_pieces(self, [piece]))

    # --- completion and the toolbar ---------------------------------------------------

    def _new_completer(self, metadata: Metadata) -> CypherCompleter:
        helps = {name: command.help for name, command in commands.COMMANDS.items()}
        return CypherCompleter(
            metadata,
            commands=helps,
            grammar=commands.GRAMMAR,
            parameters=lambda: self._state.params.keys(),
        )

    async def _store(self) -> Store:
        return (await self.backend()).store

    def _refreshed(self, metadata: Metadata) -> None:
        self.metadata = metadata
        self._completer = self._new_completer(metadata)  # swapped whole, never patched
        if self._prompt is not None and self._prompt.app.is_running:
            buffer = self._prompt.default_buffer
            state = buffer.complete_state
            if buffer.text and (state is None or state.complete_index is None):
                # what is being typed may now complete (a label that a write just made)
                buffer.start_completion(select_first=False)
        self._invalidate()

    def _connection_changed(self, connection: Connection) -> None:
        self.connection = connection
        self._invalidate()

    def _invalidate(self) -> None:
        if self._prompt is not None and self._prompt.app.is_running:
            self._prompt.app.invalidate()

    def _message(self) -> StyleAndTextTuples:
        if self._state.write:
            return [("class:prompt.write", "graphflow(WRITE)> ")]
        return [("class:prompt", "graphflow> ")]

    def _continuation(self, width: int, line_number: int, wrap_count: int) -> StyleAndTextTuples:
        return [("class:continuation", "...> ".rjust(width))]

    def _toolbar(self) -> StyleAndTextTuples:
        count = self.metadata.node_count
        nodes = "… nodes" if count is None else f"{count:,} nodes"
        parts: StyleAndTextTuples = [
            ("", f" profile {self._profile.name} │ {self.store_uri} │ {nodes} │ ")
        ]
        if self._state.write:
            parts.append(("class:bottom-toolbar.write", " WRITE "))
        else:
            parts.append(("", "read-only"))
        if self.connection is Connection.UNREACHABLE:
            parts.append(("", " │ "))
            parts.append(("class:bottom-toolbar.down", " store unreachable, retrying "))
        elif self.connection is Connection.CONNECTING:
            parts.append(("", " │ connecting…"))
        view = self._state.format.value + (" vertical" if self._state.vertical else "")
        parts.append(("", f" │ {view} │ :help "))
        return parts
