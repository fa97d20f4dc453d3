"""The command table, dispatch, and the commands that need no store (on a fake context)."""

from __future__ import annotations

import asyncio
import inspect
import io
import json
from typing import TYPE_CHECKING, Any

import pytest

from graphflow.errors import ShellCommandError, ShellUsageError
from graphflow.shell import _execute
from graphflow.shell._completer import Metadata
from graphflow.shell._context import ShellState
from graphflow.shell._output import Output
from graphflow.shell._render import OutputFormat, render_result
from graphflow.shell.commands import COMMANDS, GRAMMAR, TABLE, Group, dispatch, find
from graphflow.store import QueryResult

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import RenderableType


class FakeContext:
    """A ShellContext without a store: records what commands ask of the session."""

    def __init__(self, *, interactive: bool = False, answer: bool = False) -> None:
        self._state = ShellState(interactive=interactive)
        self.out, self.err = io.StringIO(), io.StringIO()
        self.output = Output(interactive=False, stream=self.out, errors=self.err)
        self.answer = answer
        self.questions: list[str] = []
        self.ran: list[str] = []
        self.edits: list[str] = []
        self.refreshes = 0
        self.lost = False
        self.metadata = Metadata(labels=("Int",), keys={"Int": ("pk", "value")})

    @property
    def state(self) -> ShellState:
        return self._state

    @property
    def profile(self) -> Any:
        raise AssertionError("not needed")

    async def backend(self) -> Any:
        raise AssertionError("unit tests have no store")

    async def show(self, *renderables: RenderableType) -> None:
        await self.output.show(*renderables)

    async def show_result(self, result: QueryResult, elapsed: float | None) -> None:
        self._state.last_result = result
        await self.show(render_result(result, self._state.format, vertical=False, limit=0))

    async def confirm(self, question: str) -> bool:
        self.questions.append(question)
        return self.answer

    async def run_text(self, text: str) -> bool:
        self.ran.append(text)
        return "fail" not in text

    def edit(self, text: str) -> None:
        self.edits.append(text)

    def request_refresh(self) -> None:
        self.refreshes += 1

    def store_lost(self) -> None:
        self.lost = True

    async def refresh(self) -> Metadata:
        self.refreshes += 1
        return self.metadata

    def error(self, message: RenderableType) -> None:
        self.output.error(message)


def run(ctx: FakeContext, line: str) -> str:
    asyncio.run(dispatch(ctx, line))
    return ctx.out.getvalue()


# --- the table ----------------------------------------------------------------------


def test_every_command_has_a_name_syntax_help_and_coroutine_handler() -> None:
    names = [command.name for command in TABLE]
    assert len(names) == len(set(names))
    every = [name for command in TABLE for name in (command.name, *command.aliases)]
    assert len(every) == len(set(every)) == len(COMMANDS) == len(GRAMMAR)
    for command in TABLE:
        assert command.name.startswith(":")
        assert command.syntax.startswith(command.name)
        assert command.help.endswith(".")
        assert inspect.iscoroutinefunction(command.handler), command.name
        for option in [*command.args.options, *command.args.flags]:
            assert option in command.syntax, (command.name, option)
    assert {command.group for command in TABLE} == set(Group)


def test_the_issue_lists_commands_that_are_all_in_the_table() -> None:
    wanted = ":param :params :show :ancestors :descendants :path :tree :report :ps :pause "
    wanted += ":play :kill :source :help :edit \\e :write :format :vertical \\x :export"
    assert set(wanted.split()) <= set(COMMANDS)


def test_unknown_commands_suggest_the_closest_one() -> None:
    with pytest.raises(
        ShellCommandError, match=r"unknown command :ancestor; did you mean :ancestors\?"
    ):
        find(":ancestor")
    with pytest.raises(ShellCommandError, match=r"unknown command :xyzzy \(:help lists them all\)"):
        find(":xyzzy")
    assert find(":HELP") is COMMANDS[":help"]
    assert find("\\x") is COMMANDS[":vertical"]


def test_argument_problems_come_with_the_syntax() -> None:
    ctx = FakeContext()
    with pytest.raises(ShellUsageError, match=r"(?s)the format must be one of.*usage: :format"):
        run(ctx, ":format xml")
    with pytest.raises(ShellUsageError, match=r"(?s)non-negative integer.*usage: :limit N"):
        run(ctx, ":limit -1")
    with pytest.raises(
        ShellUsageError, match=r"(?s)expected 1 argument, got 0.*usage: :ancestors PK"
    ):
        run(ctx, ":ancestors")
    with pytest.raises(ShellUsageError, match=r"(?s)unknown option --deep.*usage: :ancestors"):
        run(ctx, ":ancestors 8 --deep 2")


# --- settings -------------------------------------------------------------------------


def test_params_are_set_listed_and_cleared() -> None:
    ctx = FakeContext()
    run(ctx, ":param ids => [1, 2]")
    run(ctx, ":param {name: 'x', n: null}")
    assert ctx.state.params == {"ids": [1, 2], "name": "x", "n": None}
    listing = run(ctx, ":params")
    assert "$ids" in listing
    assert "'x'" in listing
    run(ctx, ":params clear")
    assert ctx.state.params == {}


def test_format_vertical_limit_and_pager() -> None:
    ctx = FakeContext()
    run(ctx, ":format json")
    assert ctx.state.format is OutputFormat.JSON
    run(ctx, "\\x")
    assert ctx.state.vertical
    run(ctx, ":vertical off")
    assert not ctx.state.vertical
    run(ctx, ":limit 0")
    assert ctx.state.row_limit == 0
    assert "showing all rows" in ctx.out.getvalue()
    run(ctx, ":pager off")
    assert not ctx.state.pager


def test_write_mode_needs_a_yes_and_never_turns_on_in_scripts() -> None:
    with pytest.raises(ShellCommandError, match="graphflow shell --write"):
        run(FakeContext(), ":write on")
    refused = FakeContext(interactive=True, answer=False)
    run(refused, ":write on")
    assert refused.questions == ["Allow writes? [y/N] "]
    assert not refused.state.write
    allowed = FakeContext(interactive=True, answer=True)
    run(allowed, ":write on")
    assert allowed.state.write
    run(allowed, ":write off")
    assert not allowed.state.write


def test_export_writes_every_row_of_the_last_result(tmp_path: Path) -> None:
    ctx = FakeContext()
    with pytest.raises(ShellCommandError, match="no result to export"):
        run(ctx, f":export {tmp_path / 'x.csv'}")
    rows = [{"pk": i, "name": f"n{i}"} for i in range(3)]
    ctx.state.last_result = QueryResult(["pk", "name"], rows)
    run(ctx, f":export {tmp_path / 'out.csv'}")
    run(ctx, f":export {tmp_path / 'out.json'}")
    run(ctx, f":export {tmp_path / 'other.txt'} --format json")
    assert (tmp_path / "out.csv").read_text().splitlines() == ["pk,name", "0,n0", "1,n1", "2,n2"]
    assert json.loads((tmp_path / "out.json").read_text()) == rows
    assert json.loads((tmp_path / "other.txt").read_text()) == rows
    with pytest.raises(ShellCommandError, match="cannot write"):
        run(ctx, f":export {tmp_path / 'missing' / 'x.csv'}")


def test_help_lists_every_command_and_explains_one() -> None:
    listing = run(FakeContext(), ":help")
    for command in TABLE:
        assert command.syntax in listing
    one = run(FakeContext(), ":help path")
    assert one.startswith(":path PK1 PK2")
    assert "downstream" in one
    with pytest.raises(ShellCommandError, match="did you mean :path"):
        run(FakeContext(), ":help pth")


def test_source_runs_the_file_and_fails_with_it(tmp_path: Path) -> None:
    script = tmp_path / "q.cypher"
    script.write_text("RETURN 1;\n:format csv\n")
    ctx = FakeContext()
    run(ctx, f":source {script}")
    assert ctx.ran == ["RETURN 1;\n:format csv\n"]
    script.write_text("fail;")
    with pytest.raises(ShellCommandError, match=r"stopped running .* at the first error"):
        run(ctx, f":source {script}")
    with pytest.raises(ShellCommandError, match="cannot read"):
        run(ctx, f":source {tmp_path / 'nothing.cypher'}")


def test_edit_exit_and_refresh() -> None:
    ctx = FakeContext(interactive=True)
    ctx.state.last_statement = "RETURN 1"
    run(ctx, ":edit")
    run(ctx, "\\e")
    assert ctx.edits == ["RETURN 1", "RETURN 1"]
    with pytest.raises(ShellCommandError, match="no editor in a script"):
        run(FakeContext(), ":edit")
    assert "1 labels, 0 relationship types, 2 property keys" in run(ctx, ":refresh")
    assert ctx.refreshes == 1
    run(ctx, ":quit")
    assert ctx.state.leaving


# --- running input --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("interactive", "how"),
    [(True, "Type :write on to allow it"), (False, "graphflow shell --write to allow it")],
)
def test_a_write_is_refused_before_any_store_is_asked(interactive: bool, how: str) -> None:
    """At the prompt ':write on' allows it; a script (-c, -f) cannot confirm that, so it
    is told to run with --write."""
    ctx = FakeContext(interactive=interactive)
    assert not asyncio.run(_execute.run_text(ctx, "MATCH (n) DETACH DELETE n;"))
    message = ctx.err.getvalue().replace("\n", " ")
    assert "refused: the write clause DETACH DELETE would change the graph" in message
    assert how in message


def test_input_stops_at_the_first_failing_piece() -> None:
    ctx = FakeContext()
    ok = asyncio.run(_execute.run_text(ctx, ":format csv; :format nope; :format json"))
    assert not ok
    assert ctx.state.format is OutputFormat.CSV
    assert "usage: :format" in ctx.err.getvalue()
