"""What shell commands may use: the session's settings and the services it offers.

Handlers in the command table receive a :class:`ShellContext`; the session implements
it (interactively, or for ``-c`` / ``-f`` scripts), and unit tests can give a fake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from graphflow.shell._render import OutputFormat

if TYPE_CHECKING:
    from rich.console import RenderableType

    from graphflow.config import Profile
    from graphflow.orm import Backend
    from graphflow.shell._completer import Metadata
    from graphflow.store import QueryResult

__all__ = ["DEFAULT_ROW_LIMIT", "ShellContext", "ShellState"]

#: rows shown per result unless ``:limit`` says otherwise (the Browser's default)
DEFAULT_ROW_LIMIT = 1000


@dataclass(slots=True)
class ShellState:
    """The settings and memory of one session; commands change them, statements read them.

    Invariant: ``write`` is True only after the user confirmed ``:write on`` (or asked
    for it with ``graphflow shell --write``).
    """

    interactive: bool
    params: dict[str, Any] = field(default_factory=dict)
    format: OutputFormat = OutputFormat.TABLE
    vertical: bool = False
    row_limit: int = DEFAULT_ROW_LIMIT
    pager: bool = True
    write: bool = False
    time_limit: float = 120.0
    last_result: QueryResult | None = None
    last_statement: str = ""
    leaving: bool = False


class ShellContext(Protocol):
    """The services a command handler may use."""

    @property
    def state(self) -> ShellState: ...

    @property
    def profile(self) -> Profile: ...

    async def backend(self) -> Backend:
        """The profile's started backend (connecting, or reconnecting, if needed)."""
        ...

    async def show(self, *renderables: RenderableType) -> None:
        """Print, through the pager when the output is taller than the terminal."""
        ...

    async def show_result(self, result: QueryResult, elapsed: float | None) -> None:
        """Print rows in the current format and keep them as the last result."""
        ...

    async def confirm(self, question: str) -> bool:
        """Ask a yes/no question; False when nobody can answer (scripts)."""
        ...

    async def run_text(self, text: str) -> bool:
        """Run statements and commands as if typed; False after the first failure."""
        ...

    def edit(self, text: str) -> None:
        """Open ``text`` in $EDITOR once the current input is done (outside any task
        Ctrl-C cancels); what the editor leaves becomes the next prompt's input."""
        ...

    def error(self, message: RenderableType) -> None:
        """Show a problem (in red, on stderr)."""
        ...

    def request_refresh(self) -> None:
        """Ask for completion metadata to be fetched again, in the background."""
        ...

    def store_lost(self) -> None:
        """The store could not be reached: say so, and keep trying in the background."""
        ...

    async def refresh(self) -> Metadata:
        """Fetch completion metadata now and use it; returns what was fetched."""
        ...
