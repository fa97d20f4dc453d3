"""The shell's special commands: one table of name, syntax, help and handler.

A command is a line that starts with ``:`` (or a ``\\`` short form) where a statement
could start. :data:`TABLE` is the only list of commands: ``:help``, completion (through
each command's :class:`ArgSpec`) and dispatch all read it. Handlers are coroutines
``handler(ctx, argument_text)`` that raise a :class:`~graphflow.errors.GraphflowError`
to report a problem; the caller shows it and the session goes on.
"""

from __future__ import annotations

import asyncio
import difflib
import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

from rich.table import Table
from rich.text import Text

from graphflow.errors import ShellCommandError, ShellUsageError
from graphflow.shell import _processes, _provenance, _settings
from graphflow.shell._analysis import ArgSpec, Kind
from graphflow.shell._args import parse_args
from graphflow.shell._render import OutputFormat

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from graphflow.shell._context import ShellContext

    Handler = Callable[[ShellContext, str], Awaitable[None]]

__all__ = ["COMMANDS", "GRAMMAR", "TABLE", "Command", "Group", "dispatch", "find"]


class Group(enum.Enum):
    """Where a command is listed in ``:help``."""

    QUERY = "Queries and parameters"
    OUTPUT = "Output"
    PROVENANCE = "Provenance"
    PROCESSES = "Processes"
    SHELL = "Shell"


@dataclass(frozen=True, slots=True)
class Command:
    """One special command."""

    name: str
    syntax: str
    help: str
    handler: Handler
    group: Group
    aliases: tuple[str, ...] = ()
    args: ArgSpec = field(default_factory=ArgSpec)
    details: str = ""
    #: whether it waits on the store (it then runs under the lost-store watchdog)
    store: bool = False


_LINKS = {"--links": _provenance.LINK_MODES}
_LINEAGE_ARGS = ArgSpec(Kind.PK, options={"--depth": (), **_LINKS})
_SWITCH = ArgSpec(Kind.CHOICE, choices=("on", "off"))

_KEYS: tuple[tuple[str, str], ...] = (
    ("Enter", "runs statements that end with ';' (a lone ';' too), else adds a line"),
    ("", "commands (':help', '\\x') run at once; several statements run in order"),
    ("Alt-Enter", "runs the input as it is"),
    ("Tab", "completes labels after ':', types after '[:', keys after '.', pks"),
    ("Ctrl-R", "searches the history; → takes the grey suggestion"),
    ("Ctrl-C", "clears the input, or cancels a running query"),
    ("Ctrl-D", "leaves; statements only read unless :write on"),
)


async def do_help(ctx: ShellContext, args: str) -> None:
    """Every command in a table, or one command explained."""
    words = parse_args(args, most=1).positional
    if words:
        command = find(words[0] if words[0][:1] in (":", "\\") else ":" + words[0])
        parts = [Text(command.syntax, style="bold"), Text(command.help)]
        if command.details:
            parts.append(Text(command.details))
        if command.aliases:
            parts.append(Text("also: " + ", ".join(command.aliases), style="dim"))
        await ctx.show(*parts)
        return
    keys = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    keys.add_column(style="bold", no_wrap=True)
    keys.add_column()
    for key, what in _KEYS:
        keys.add_row(Text(key), Text(what))
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for group in Group:
        table.add_row(Text(group.value, style="underline"), "")
        for command in TABLE:
            if command.group is group:
                table.add_row(Text(command.syntax), Text(command.help))
    await ctx.show(keys, Text(""), table, Text("\n:help CMD explains one command."))


async def do_source(ctx: ShellContext, args: str) -> None:
    """Run the statements and commands of a file, stopping at the first error."""
    name = parse_args(args, least=1, most=1).positional[0]
    try:
        text = await asyncio.to_thread(_read, name)
    except OSError as exc:
        raise ShellCommandError(f"cannot read {name}: {exc.strerror or exc}") from exc
    if not await ctx.run_text(text):
        raise ShellCommandError(f"stopped running {name} at the first error")


def _read(name: str) -> str:
    return Path(name).expanduser().read_text(encoding="utf-8")


async def do_exit(ctx: ShellContext, args: str) -> None:
    """Leave the shell (Ctrl-D does the same)."""
    ctx.state.leaving = True


TABLE: Final[tuple[Command, ...]] = (
    Command(
        ":param",
        ":param NAME => VALUE",
        "Set a $parameter to a literal (number, 'text', true, null, [list], {map}).",
        _settings.do_param,
        Group.QUERY,
        args=ArgSpec(Kind.PARAMETER),
        details="':param {a: 1, b: 'x'}' sets several at once. Values are read by the "
        "shell, never run: a parameter cannot execute anything.",
    ),
    Command(
        ":params",
        ":params [clear]",
        "List the parameters, or forget them all.",
        _settings.do_params,
        Group.QUERY,
        args=ArgSpec(Kind.CHOICE, choices=("clear",)),
    ),
    Command(
        ":source",
        ":source FILE",
        "Run the statements and commands of a file; stop at the first error.",
        do_source,
        Group.QUERY,
        args=ArgSpec(Kind.FILE),
    ),
    Command(
        ":edit",
        ":edit",
        "Open the last statement in $EDITOR; it comes back to the prompt to run.",
        _settings.do_edit,
        Group.QUERY,
        aliases=("\\e",),
        details="Typing \\e at the end of a statement opens that statement instead.",
    ),
    Command(
        ":write",
        ":write on|off",
        "Allow statements that change the graph (asks first); off: read-only again.",
        _settings.do_write,
        Group.QUERY,
        args=_SWITCH,
        details="Statements run in read transactions and a write clause is refused "
        "until :write on. WRITE shows in the prompt and the toolbar while it lasts.",
    ),
    Command(
        ":format",
        ":format table|json|csv",
        "Choose how results are printed.",
        _settings.do_format,
        Group.OUTPUT,
        args=ArgSpec(Kind.CHOICE, choices=tuple(f.value for f in OutputFormat)),
    ),
    Command(
        ":vertical",
        ":vertical [on|off]",
        "Print each row as a block of 'column value' lines (for wide rows).",
        _settings.do_vertical,
        Group.OUTPUT,
        aliases=("\\x",),
        args=_SWITCH,
    ),
    Command(
        ":limit",
        ":limit N",
        "Show at most N rows per result (0: all); a notice says when rows were cut.",
        _settings.do_limit,
        Group.OUTPUT,
    ),
    Command(
        ":pager",
        ":pager on|off",
        "Page output taller than the terminal through $PAGER (default less -SRXF).",
        _settings.do_pager,
        Group.OUTPUT,
        args=_SWITCH,
    ),
    Command(
        ":export",
        ":export FILE [--format csv|json]",
        "Write every row of the last result to FILE (format from the suffix).",
        _settings.do_export,
        Group.OUTPUT,
        args=ArgSpec(Kind.FILE, options={"--format": ("csv", "json")}),
    ),
    Command(
        ":show",
        ":show PK",
        "A node: properties, attributes and links (pk, uuid or uuid prefix).",
        _provenance.do_show,
        Group.PROVENANCE,
        args=ArgSpec(Kind.PK, max_positional=8),
        store=True,
    ),
    Command(
        ":ancestors",
        ":ancestors PK [--depth N] [--links data|logic|all]",
        "Every node PK came from, nearest first.",
        _provenance.do_ancestors,
        Group.PROVENANCE,
        args=_LINEAGE_ARGS,
        details="data follows INPUT and CREATE links, logic INPUT, RETURN and CALL, all "
        "every link. --depth counts links away from PK.",
        store=True,
    ),
    Command(
        ":descendants",
        ":descendants PK [--depth N] [--links data|logic|all]",
        "Every node that came from PK, nearest first.",
        _provenance.do_descendants,
        Group.PROVENANCE,
        args=_LINEAGE_ARGS,
        store=True,
    ),
    Command(
        ":path",
        ":path PK1 PK2 [--links data|logic|all]",
        "A shortest path from PK1 to PK2 (up to 100 links).",
        _provenance.do_path,
        Group.PROVENANCE,
        args=ArgSpec(Kind.PK, max_positional=2, options=_LINKS),
        details="Looks downstream from PK1 first, then upstream, then through any link "
        "in either direction, and says which it found.",
        store=True,
    ),
    Command(
        ":tree",
        ":tree PK",
        "The call tree of a workflow, with states and exit statuses.",
        _provenance.do_tree,
        Group.PROVENANCE,
        args=ArgSpec(Kind.PK),
        store=True,
    ),
    Command(
        ":group",
        ":group [LABEL]",
        "The nodes of group LABEL; without one, every group and its size.",
        _provenance.do_group,
        Group.PROVENANCE,
        args=ArgSpec(None),
        store=True,
    ),
    Command(
        ":report",
        ":report PK",
        "The log records of a process (reports, warnings, tracebacks).",
        _provenance.do_report,
        Group.PROVENANCE,
        args=ArgSpec(Kind.PK),
        store=True,
    ),
    Command(
        ":ps",
        ":ps [-a|--all] [--state STATE] [--limit N]",
        "Processes, newest first (like graphflow process list).",
        _processes.do_ps,
        Group.PROCESSES,
        args=ArgSpec(
            None,
            options={"--state": _processes.STATES, "--limit": ()},
            flags=("-a", "--all"),
        ),
        store=True,
    ),
    Command(
        ":pause",
        ":pause PK...",
        "Pause processes at their next step boundary.",
        _processes.do_pause,
        Group.PROCESSES,
        args=ArgSpec(Kind.PK, max_positional=8),
        store=True,
    ),
    Command(
        ":play",
        ":play PK...",
        "Let paused processes continue.",
        _processes.do_play,
        Group.PROCESSES,
        args=ArgSpec(Kind.PK, max_positional=8),
        store=True,
    ),
    Command(
        ":kill",
        ":kill PK...",
        "Kill processes and the children they wait for.",
        _processes.do_kill,
        Group.PROCESSES,
        args=ArgSpec(Kind.PK, max_positional=8),
        store=True,
    ),
    Command(
        ":refresh",
        ":refresh",
        "Fetch labels, types, keys and pks for completion now (it also happens by itself).",
        _settings.do_refresh,
        Group.SHELL,
    ),
    Command(
        ":help",
        ":help [CMD]",
        "List the commands, or explain one.",
        do_help,
        Group.SHELL,
        aliases=("\\?",),
        args=ArgSpec(Kind.COMMAND),
    ),
    Command(
        ":exit",
        ":exit",
        "Leave the shell (or Ctrl-D).",
        do_exit,
        Group.SHELL,
        aliases=(":quit", "\\q"),
    ),
)

#: every name and alias -> its command
COMMANDS: Final[Mapping[str, Command]] = {
    name: command for command in TABLE for name in (command.name, *command.aliases)
}
#: every name and alias -> how its arguments complete
GRAMMAR: Final[Mapping[str, ArgSpec]] = {name: c.args for name, c in COMMANDS.items()}


def find(name: str) -> Command:
    """The command called ``name``; an unknown name suggests the closest one."""
    command = COMMANDS.get(name.lower())
    if command is not None:
        return command
    close = difflib.get_close_matches(name.lower(), list(COMMANDS), n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]}?" if close else ""
    raise ShellCommandError(f"unknown command {name}{hint} (:help lists them all)")


async def dispatch(ctx: ShellContext, line: str) -> None:
    """Run one command line; an argument problem is reported with the command's syntax."""
    name, _, args = line.strip().partition(" ")
    command = find(name)
    try:
        await command.handler(ctx, args.strip())
    except ShellUsageError as exc:
        raise ShellUsageError(f"{exc}\nusage: {command.syntax}") from exc
