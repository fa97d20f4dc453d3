"""Where the shell prints: a rich console, and a pager for output taller than the terminal.

Output is rendered to text first, then either written out or piped to ``$PAGER``
(default ``less -SRXF``: colours kept, quits at once when the text fits) in a child
process the loop waits on without blocking. Cancelling (Ctrl-C) stops the pager too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import sys
from typing import TYPE_CHECKING, TextIO

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import RenderableType

__all__ = ["DEFAULT_PAGER", "Output"]

DEFAULT_PAGER = "less -SRXF"


class Output:
    """The shell's console; ``interactive`` output may go through the pager."""

    def __init__(
        self,
        *,
        interactive: bool,
        stream: TextIO | None = None,
        errors: TextIO | None = None,
    ) -> None:
        self.interactive = interactive
        self.console = Console(file=stream or sys.stdout, highlight=False)
        self.errors = Console(file=errors or sys.stderr, highlight=False)

    def render(self, *renderables: RenderableType) -> str:
        """The text (with colour codes when printing to a terminal) of ``renderables``."""
        with self.console.capture() as capture:
            for renderable in renderables:
                # text marked no_wrap (JSON, CSV) keeps its lines whatever the width
                raw = isinstance(renderable, Text) and renderable.no_wrap is True
                self.console.print(renderable, soft_wrap=raw)
        return capture.get()

    async def show(self, *renderables: RenderableType, page: bool = False) -> None:
        """Print; through the pager when ``page`` and the text is taller than the terminal."""
        text = self.render(*renderables)
        tall = text.count("\n") > self.console.height - 3  # beside the prompt and toolbar
        if page and self.interactive and tall and await self._page(text):
            return
        self.console.file.write(text)
        self.console.file.flush()

    def error(self, message: RenderableType) -> None:
        """Print an error in red (on stderr: scripts keep stdout for results)."""
        self.errors.print(message, style="red")

    async def _page(self, text: str) -> bool:
        """Show ``text`` in the pager; False when no pager could be started."""
        command = shlex.split(os.environ.get("PAGER") or DEFAULT_PAGER)
        if not command:
            return False
        try:
            pager = await asyncio.create_subprocess_exec(*command, stdin=asyncio.subprocess.PIPE)
        except OSError:
            return False
        try:
            await pager.communicate(text.encode("utf-8", errors="replace"))
        finally:
            if pager.returncode is None:
                # cancelled (Ctrl-C): the pager must not outlive the output it shows
                with contextlib.suppress(ProcessLookupError):
                    pager.kill()
                await asyncio.shield(pager.wait())
        return True
