"""The live call tree of ``graphflow run`` on a terminal.

While the script runs, every process a runner of this interpreter drives (work chains,
calculation jobs and what they call) is drawn as a tree below the script's own output,
with its state, exit status and the time it has run, redrawn as states change. Process
functions run inside the step that calls them and are not drawn. Only when both stdout
and stderr are terminals: a script whose output is redirected prints exactly what it
prints.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.text import Text
from rich.tree import Tree

from graphflow.lineage._views import STATE_STYLE, duration

if TYPE_CHECKING:
    from collections.abc import Iterator

    from graphflow.broker import StateMessage

__all__ = ["live_call_tree"]

TERMINAL = ("finished", "excepted", "killed")


@dataclass
class _Row:
    label: str
    pk: int | None
    state: str
    exit_status: int | None
    caller: str | None
    started: float
    ended: float | None = None


class _Tree:
    """What the runners announced, by uuid; drawn on demand (Live's refresh thread)."""

    def __init__(self) -> None:
        self._rows: dict[str, _Row] = {}
        self._lock = threading.Lock()

    def observe(self, message: StateMessage) -> None:
        now = time.monotonic()
        with self._lock:
            row = self._rows.get(message.uuid)
            if row is None:
                row = self._rows[message.uuid] = _Row(
                    message.label, message.pk, message.state, None, message.caller, now
                )
            row.state, row.exit_status = message.state, message.exit_status
            if message.state in TERMINAL and row.ended is None:
                row.ended = now

    def __rich__(self) -> RenderableType:
        with self._lock:
            rows = dict(self._rows)
        now = time.monotonic()

        def line(row: _Row) -> Text:
            text = Text(f"{row.label} <{row.pk}> ")
            text.append(row.state, style=STATE_STYLE.get(row.state, ""))
            if row.exit_status not in (None, 0):
                text.append(f" [{row.exit_status}]", style="red")
            text.append(f" {duration((row.ended or now) - row.started)}", style="dim")
            return text

        def grow(tree: Tree, uuid: str) -> None:
            for child_uuid, child in rows.items():
                if child.caller == uuid:
                    grow(tree.add(line(child)), child_uuid)

        roots = []
        for uuid, row in rows.items():
            if row.caller is None or row.caller not in rows:
                root = Tree(line(row))
                grow(root, uuid)
                roots.append(root)
        return Group(*roots)


@contextlib.contextmanager
def live_call_tree() -> Iterator[None]:
    """Draw the live tree while the body runs, if stdout and stderr are terminals."""
    console = Console(stderr=True)
    if not (sys.stdout.isatty() and console.is_terminal):
        yield
        return
    from graphflow.engine._runner import state_observers

    tree = _Tree()
    state_observers.append(tree.observe)
    try:
        with Live(tree, console=console, refresh_per_second=4, redirect_stdout=True):
            yield
    finally:
        state_observers.remove(tree.observe)
