"""Driving the real ``graphflow shell`` in a pseudo-terminal, against the real store.

:class:`Shell` wraps a pexpect child: it types like a user (``\\r`` is Enter), waits for
what the shell prints (never for a fixed time) and reads output without colour codes.
The ``workflow`` fixture runs the README's main job (the paper's listing 8) once.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pexpect
import pytest

import graphflow as gf

if TYPE_CHECKING:
    from collections.abc import Iterator

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
EXECUTABLE = Path(sys.executable).parent / "graphflow"
PROMPT = re.compile(r"graphflow(\(WRITE\))?> ")
#: prompt-toolkit asks where the cursor is; the answer (top left) lets it draw the toolbar
CURSOR_REQUEST = re.compile(re.escape("\x1b[6n"))
CURSOR_ANSWER = "\x1b[1;1R"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\x07|\r")
#: generous: a first query may wait for the JVM to warm up; nothing waits this long normally
TIMEOUT = 60


def plain(text: str) -> str:
    """``text`` without terminal escape sequences and carriage returns."""
    return _ANSI.sub("", text)


def loose(text: str) -> re.Pattern[str]:
    """``text`` as drawn on the terminal: colour codes may sit between its characters."""
    escapes = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"
    return re.compile(escapes.join(re.escape(ch) for ch in text))


def menu_item(text: str, meta: str) -> re.Pattern[str]:
    """The completion menu showing ``text`` with its meta column (styles in between)."""
    return re.compile(re.escape(f" {text} ") + r" *(\x1b\[[0-9;]*m)+ " + re.escape(meta))


def selected_item(text: str) -> re.Pattern[str]:
    """The completion menu drawn with ``text`` selected (reverse video): Tab took it."""
    return re.compile(r";7m " + re.escape(text) + " ")


class Shell:
    """One interactive shell session in a pseudo-terminal (``TERM=xterm``, 40x160)."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        environment = {**os.environ, "TERM": "xterm", "PAGER": "cat", **(env or {})}
        self.child = pexpect.spawn(
            str(EXECUTABLE),
            [*args, "shell"],
            env=environment,
            encoding="utf-8",
            dimensions=(40, 160),
            timeout=TIMEOUT,
        )
        self.expect("Ctrl-D leaves")
        self.expect_prompt()

    def type(self, text: str) -> None:
        """Type ``text`` (no Enter)."""
        self.child.send(text)

    def complete(self, typed: str, completion: str, meta: str) -> None:
        """Type ``typed``, wait for the menu to offer ``completion``, take it with Tab."""
        self.child.send(typed)
        self.expect(menu_item(completion, meta))
        self.child.send("\t")
        self.expect(selected_item(completion))

    def expect_prompt(self) -> bool:
        """Wait for the prompt; whether it says WRITE."""
        self.expect(PROMPT)
        return self.child.match.group(1) is not None

    def expect_drawn(self, text: str) -> str:
        """Wait until ``text`` is drawn (highlighted or not); what came before it."""
        return self.expect(loose(text))

    def expect_menu(self, text: str, meta: str) -> None:
        """Wait for the completion menu to offer ``text`` with ``meta`` beside it."""
        self.expect(menu_item(text, meta))

    def expect(self, pattern: str | re.Pattern[str] | type[pexpect.EOF]) -> str:
        """Wait for ``pattern``; what came before it, without escape sequences.

        Cursor-position requests met on the way are answered, as a terminal would.
        """
        before = []
        while self.child.expect([CURSOR_REQUEST, pattern]) == 0:
            before.append(self.child.before)
            self.child.send(CURSOR_ANSWER)
        before.append(self.child.before)
        return plain("".join(before))

    def run(self, text: str, until: str | re.Pattern[str]) -> str:
        """Type ``text`` and Enter; wait for ``until``, then for the next prompt.

        ``until`` must be something only the output holds (not the typed text): the
        prompt alone is no proof, as prompt-toolkit may draw it again at any time.
        Returns what was printed up to the prompt, without escape sequences.
        """
        self.child.send(text + "\r")
        out = self.expect(until) + plain(self.child.after)
        return out + self.expect(PROMPT)

    def close(self) -> None:
        """Leave with Ctrl-D on an empty input, and check the shell ended cleanly.

        Ctrl-U (not Ctrl-C) empties the line: the terminal stays in raw mode, so the
        Ctrl-D that follows is a key for the prompt, never lost between two prompts.
        """
        self.child.sendcontrol("u")
        self.child.sendcontrol("d")
        self.expect(pexpect.EOF)
        self.child.close()
        assert self.child.exitstatus == 0, self.child.before


@pytest.fixture
def shell(backend: object) -> Iterator[type[Shell]]:
    """Start shells with ``shell()``; every one still open at the end is closed."""
    started: list[Shell] = []

    class Started(Shell):
        def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
            super().__init__(*args, env=env)
            started.append(self)

    yield Started
    for session in started:
        if session.child.isalive():
            session.child.terminate(force=True)


@dataclass(frozen=True)
class Workflow:
    """The pks of ``add_multiply(Int(1), Int(2), Int(3))`` and its provenance."""

    x: int
    y: int
    z: int
    sum: int
    result: int
    add: int
    multiply: int
    workflow: int


@pytest.fixture(scope="module")
def workflow(backend: object) -> Workflow:
    """The README's main job, run once per module in this interpreter."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        from listing08_add_multiply import add_multiply
    finally:
        sys.path.remove(str(EXAMPLES))
    x, y, z = gf.Int(1).store(), gf.Int(2).store(), gf.Int(3).store()
    result, node = add_multiply.run_get_node(x, y, z)
    calls = {
        row["label"]: row
        for row in gf.cypher(
            "MATCH (w:Process {uuid: $uuid})-[:CALL]->(c:CalcFunction)-[:CREATE]->(out:Int) "
            "RETURN c.process_label AS label, c.pk AS pk, out.pk AS out",
            uuid=node.uuid,
        )
    }
    return Workflow(
        x=x.pk,
        y=y.pk,
        z=z.pk,
        sum=calls["add"]["out"],
        result=result.pk,
        add=calls["add"]["pk"],
        multiply=calls["multiply"]["pk"],
        workflow=node.pk,
    )
