"""``graphflow process``: list, inspect and control processes."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

import click
from rich.text import Text

from graphflow import _loop
from graphflow.cli._common import console, use_profile
from graphflow.cli._node import parse_identifier
from graphflow.cli._output import (
    call_tree_json,
    chosen,
    emit,
    format_option,
    link_json,
    node_json,
)
from graphflow.lineage._views import (
    call_tree_view,
    links_table,
    node_table,
    process_line,
    process_table,
    state_text,
)
from graphflow.types import ProcessState

if TYPE_CHECKING:
    from collections.abc import Callable

    from graphflow.broker import StateMessage
    from graphflow.config import Profile
    from graphflow.engine import CallTree, LogRecord
    from graphflow.orm import Node, ProcessNode

    Link = tuple[str, str, Node]

__all__ = ["process"]


@click.group()
def process() -> None:
    """List, inspect and control processes."""


@process.command("list")
@click.option("-a", "--all", "show_all", is_flag=True, help="Include terminated processes.")
@click.option(
    "-S",
    "--state",
    "states",
    multiple=True,
    type=click.Choice([s.value for s in ProcessState]),
    help="Only processes in this state (repeatable).",
)
@click.option("-E", "--exit-status", type=int, help="Only finished with this exit status.")
@click.option("-X", "--failed", is_flag=True, help="Only finished with a non-zero exit status.")
@click.option("-L", "--process-label", help="Only processes with this label (class name).")
@click.option(
    "-p", "--past-days", type=click.IntRange(min=1), help="Only created in the last N days."
)
@click.option(
    "-O",
    "--order-by",
    type=click.Choice(["ctime", "pk"]),
    default="ctime",
    show_default=True,
    help="Newest first, by creation time or by pk.",
)
@click.option("-l", "--limit", type=click.IntRange(min=1), default=100, show_default=True)
@format_option()
@click.pass_context
def list_processes(
    ctx: click.Context,
    show_all: bool,
    states: tuple[str, ...],
    exit_status: int | None,
    failed: bool,
    process_label: str | None,
    past_days: int | None,
    order_by: str,
    limit: int,
    output_format: str,
    as_json: bool,
) -> None:
    """List processes (by default those that are not terminated), as verdi process list.

    --exit-status and --failed look at finished processes (of any age: they imply -a
    unless --state says otherwise)."""
    fmt = chosen(output_format, as_json)
    if exit_status is not None and failed:
        raise click.UsageError("--exit-status and --failed ask for different processes")
    use_profile(ctx)
    from graphflow.engine import alist_processes
    from graphflow.orm import get_backend

    finished_only = exit_status is not None or failed
    wanted = [ProcessState(s) for s in states] or (
        [ProcessState.FINISHED] if finished_only else (list(ProcessState) if show_all else None)
    )

    async def load() -> list[ProcessNode]:
        return await alist_processes(
            await get_backend(),
            states=wanted,
            past_days=past_days,
            limit=limit,
            exit_status=exit_status,
            failed=failed,
            process_label=process_label,
            order_by=order_by,
        )

    nodes = _loop.call(load())

    def table() -> None:
        console.print(process_table(nodes))
        count = f"{len(nodes)} process" + ("" if len(nodes) == 1 else "es")
        notes = []
        if not (show_all or states or finished_only):
            notes.append("not terminated; -a for all")
        if len(nodes) == limit:
            notes.append(f"the newest {limit}; -l N for more")
        console.print(f"[dim]{count}" + (f" ({'; '.join(notes)})" if notes else "") + "[/]")

    if fmt != "table" and len(nodes) == limit:
        # JSON and CSV stay data; a script's user still learns the list was cut
        click.echo(f"graphflow: the newest {limit} processes; -l N for more", err=True)
    emit(fmt, [node_json(n) for n in nodes], table)


def _load_process(identifier: str) -> ProcessNode:
    from graphflow.engine._reach import load_process

    return _loop.call(load_process(parse_identifier(identifier)))


@process.command("show")
@click.argument("identifiers", nargs=-1, required=True)
@format_option(csv_ok=False)
@click.pass_context
def show(
    ctx: click.Context, identifiers: tuple[str, ...], output_format: str, as_json: bool
) -> None:
    """Show processes: state, inputs, outputs, caller and called processes."""
    fmt = chosen(output_format, as_json)
    use_profile(ctx)
    from graphflow.orm import alinks, get_backend

    shown: list[dict[str, Any]] = []
    tables: list[Callable[[], None]] = []
    for identifier in identifiers:
        node = _load_process(identifier)

        async def load(node: ProcessNode = node) -> tuple[list[Link], list[Link]]:
            backend = await get_backend()
            incoming = await alinks(backend, node, ["INPUT", "CALL"], incoming=True)
            outgoing = await alinks(backend, node, ["CREATE", "RETURN", "CALL"], incoming=False)
            return incoming, outgoing

        incoming, outgoing = _loop.call(load())
        groups = {
            "inputs": [link for link in incoming if link[0] == "INPUT"],
            "outputs": [link for link in outgoing if link[0] != "CALL"],
            "caller": [link for link in incoming if link[0] == "CALL"],
            "called": [link for link in outgoing if link[0] == "CALL"],
        }
        shown.append(
            {
                **node_json(node, details=True),
                **{title: [link_json(*link) for link in links] for title, links in groups.items()},
            }
        )

        def table(node: ProcessNode = node, groups: dict[str, list[Link]] = groups) -> None:
            console.print(node_table(node))
            for title, links in groups.items():
                if links:
                    console.print(links_table(title, links))

        tables.append(table)

    def all_tables() -> None:
        for table in tables:
            table()

    emit(fmt, shown, all_tables)


@process.command("report")
@click.argument("identifiers", nargs=-1, required=True)
@format_option()
@click.pass_context
def report(
    ctx: click.Context, identifiers: tuple[str, ...], output_format: str, as_json: bool
) -> None:
    """Show the log records of processes (reports, warnings, tracebacks) with timestamps."""
    fmt = chosen(output_format, as_json)
    use_profile(ctx)
    from graphflow.engine import alogs
    from graphflow.orm import get_backend

    reports: list[tuple[ProcessNode, list[LogRecord]]] = []
    for identifier in identifiers:
        node = _load_process(identifier)

        async def load(node: ProcessNode = node) -> list[LogRecord]:
            return await alogs(await get_backend(), node)

        reports.append((node, _loop.call(load())))

    def record_json(record: LogRecord) -> dict[str, Any]:
        when = record.time.isoformat() if record.time else None
        return {"time": when, "level": record.level, "message": record.message}

    def table() -> None:
        for node, records in reports:
            console.print(
                Text.assemble((node.process_label, "bold"), f" pk {node.pk}: ", state_text(node))
            )
            if not records:
                console.print("[dim]no log records[/]")
            for record in records:
                when = record.time.astimezone().strftime("%Y-%m-%d %H:%M:%S") if record.time else ""
                console.print(
                    f"{when} [{record.level}] {record.message}", markup=False, highlight=False
                )

    emit(
        fmt,
        [{**node_json(n), "records": [record_json(r) for r in rs]} for n, rs in reports],
        table,
        rows=lambda: [{"pk": n.pk, **record_json(r)} for n, rs in reports for r in rs],
    )


@process.command("status")
@click.argument("identifiers", nargs=-1, required=True)
@format_option(csv_ok=False)
@click.pass_context
def status(
    ctx: click.Context, identifiers: tuple[str, ...], output_format: str, as_json: bool
) -> None:
    """Show the call tree of processes, with states and exit statuses."""
    fmt = chosen(output_format, as_json)
    use_profile(ctx)
    from graphflow.engine import acall_tree
    from graphflow.orm import get_backend

    trees: list[CallTree] = []
    for identifier in identifiers:
        node = _load_process(identifier)

        async def load(node: ProcessNode = node) -> CallTree:
            return await acall_tree(await get_backend(), node)

        trees.append(_loop.call(load()))

    def table() -> None:
        for tree in trees:
            console.print(call_tree_view(tree))

    emit(fmt, [call_tree_json(tree) for tree in trees], table)


def _control(action: str, identifiers: tuple[str, ...], message: str | None = None) -> None:
    from graphflow.engine import _control

    failed = False
    for identifier in identifiers:
        target = parse_identifier(identifier)
        try:
            if action == "kill":
                result = _loop.call(_control.akill(target, message or "killed by the user"))
            elif action == "pause":
                result = _loop.call(_control.apause(target))
            else:
                result = _loop.call(_control.aplay(target))
        except Exception as exc:
            console.print(f"[red]{identifier}: {exc}[/]")
            failed = True
            continue
        style = "green" if result.done else "yellow"
        console.print(f"[{style}]{result.message}[/]")
    if failed:
        raise SystemExit(1)


def _targets(
    identifiers: tuple[str, ...], select_all: bool, states: tuple[str, ...]
) -> tuple[str, ...]:
    """The given pks, or every process that is not terminated (optionally in STATES)."""
    if identifiers and (select_all or states):
        raise click.UsageError("give pks, or --all / --state, not both")
    if not identifiers and not (select_all or states):
        raise click.UsageError("give at least one pk, or --all, or --state")
    if identifiers:
        return identifiers
    from graphflow.engine import alist_processes
    from graphflow.orm import get_backend

    wanted = [ProcessState(s) for s in states] or None

    async def load() -> list[ProcessNode]:
        return await alist_processes(await get_backend(), states=wanted, limit=1_000_000)

    return tuple(str(node.pk) for node in _loop.call(load()) if not node.is_terminated)


_select_all = click.option(
    "-a", "--all", "select_all", is_flag=True, help="Every process that is not terminated."
)
_by_state = click.option(
    "-S",
    "--state",
    "states",
    multiple=True,
    type=click.Choice(["created", "waiting", "running"]),
    help="Every process in this state.",
)


@process.command("pause")
@click.argument("identifiers", nargs=-1)
@_select_all
@_by_state
@click.pass_context
def pause(
    ctx: click.Context, identifiers: tuple[str, ...], select_all: bool, states: tuple[str, ...]
) -> None:
    """Pause processes (they stop at the next step boundary)."""
    use_profile(ctx)
    _control("pause", _targets(identifiers, select_all, states))


@process.command("play")
@click.argument("identifiers", nargs=-1)
@_select_all
@_by_state
@click.pass_context
def play(
    ctx: click.Context, identifiers: tuple[str, ...], select_all: bool, states: tuple[str, ...]
) -> None:
    """Let paused processes continue."""
    use_profile(ctx)
    _control("play", _targets(identifiers, select_all, states))


@process.command("kill")
@click.argument("identifiers", nargs=-1)
@_select_all
@_by_state
@click.option("-m", "--message", default="killed by the user", show_default=True)
@click.pass_context
def kill(
    ctx: click.Context,
    identifiers: tuple[str, ...],
    select_all: bool,
    states: tuple[str, ...],
    message: str,
) -> None:
    """Kill processes (and the children they wait for)."""
    use_profile(ctx)
    _control("kill", _targets(identifiers, select_all, states), message)


@process.command("watch")
@click.argument("identifier")
@click.pass_context
def watch(ctx: click.Context, identifier: str) -> None:
    """Follow a process and its children until it terminates (Ctrl-C stops): on a terminal
    the call tree, redrawn live with states, exit statuses and elapsed times; otherwise one
    line per state change."""
    profile = use_profile(ctx)
    if not profile.broker_url():
        raise click.ClickException(
            "watch follows state broadcasts, which need a broker: configure one with "
            f"'graphflow profile set-broker {profile.name} amqp://...'"
        )
    import asyncio

    from graphflow.engine._messaging import communicator_for

    node = _load_process(identifier)
    if console.is_terminal:
        with contextlib.suppress(KeyboardInterrupt):
            _loop.call(_watch_live(profile, node))
        return
    console.print(process_line(node))
    if node.is_terminated:
        return
    watched = {node.uuid}

    async def follow() -> None:
        done = asyncio.Event()
        communicator = await communicator_for(profile)

        def on_state(message: StateMessage) -> None:
            if message.uuid in watched or message.caller in watched:
                watched.add(message.uuid)
                when = time.strftime("%H:%M:%S")
                extra = " (paused)" if message.paused else ""
                status = f" [{message.exit_status}]" if message.exit_status not in (None, 0) else ""
                console.print(
                    f"{when} {message.label} <{message.pk}> {message.state}{extra}{status}"
                )
                if message.uuid == node.uuid and message.state in (
                    "finished",
                    "excepted",
                    "killed",
                ):
                    done.set()

        await communicator.subscribe_states(on_state)
        fresh = await _reload(node.uuid)
        if fresh.is_terminated:
            console.print(process_line(fresh))
            return
        await done.wait()

    with contextlib.suppress(KeyboardInterrupt):
        _loop.call(follow())


#: how often the live tree refreshes its elapsed times without a state change (seconds)
LIVE_TICK = 1.0


async def _watch_live(profile: Profile, node: ProcessNode) -> None:
    """On a terminal: the call tree, redrawn in place whenever a process of it changes
    state (and every second, for the elapsed times), until the process terminates."""
    import asyncio
    import datetime

    from rich.live import Live

    from graphflow.engine import acall_tree
    from graphflow.engine._messaging import communicator_for
    from graphflow.orm import get_backend

    backend = await get_backend()
    changed = asyncio.Event()
    watched = {node.uuid}

    def on_state(message: StateMessage) -> None:
        if message.uuid in watched or message.caller in watched:
            watched.add(message.uuid)
            changed.set()

    communicator = await communicator_for(profile)
    await communicator.subscribe_states(on_state)
    with Live(console=console, auto_refresh=False, transient=False) as live:
        while True:
            tree = await acall_tree(backend, await _reload(node.uuid))
            watched.update(branch.node.uuid for _, branch in tree.walk())
            now = datetime.datetime.now(datetime.UTC)
            live.update(call_tree_view(tree, now=now), refresh=True)
            if tree.node.is_terminated:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=LIVE_TICK)
            changed.clear()


async def _reload(uuid: str) -> ProcessNode:
    from graphflow.engine._reach import load_process as load

    return await load(uuid)


@process.command("repair")
@click.option("--dry-run", is_flag=True, help="Only list the processes that would be requeued.")
@click.pass_context
def repair(ctx: click.Context, dry_run: bool) -> None:
    """Requeue processes that are not terminated but have no task and no live runner."""
    profile = use_profile(ctx)
    if not profile.broker_url():
        raise click.ClickException("repair looks at the broker's queue: this profile has no broker")
    from graphflow.engine._repair import arepair

    report = _loop.call(arepair(dry_run=dry_run))
    if not report.lost:
        console.print(f"All {report.checked} active processes have a task or a live runner.")
        return
    verb = "would requeue" if dry_run else "requeued"
    for node in report.lost:
        console.print(Text(f"{verb} ").append_text(process_line(node)))
    console.print(f"{len(report.lost)} of {report.checked} active processes {verb}.")


@process.command("resume")
@click.argument("identifiers", nargs=-1, required=True)
@click.pass_context
def resume(ctx: click.Context, identifiers: tuple[str, ...]) -> None:
    """Continue crashed processes from their last checkpoint, here, until they end."""
    use_profile(ctx)
    from graphflow.engine._control import aresume

    for identifier in identifiers:
        node = _loop.call(aresume(parse_identifier(identifier)))
        console.print(process_line(node))
