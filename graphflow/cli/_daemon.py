"""``graphflow daemon``: background workers that run submitted processes."""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from graphflow._terminal import counted
from graphflow.cli._common import console, use_profile

if TYPE_CHECKING:
    from pathlib import Path

    from graphflow.config import Profile
    from graphflow.daemon import DaemonClient
    from graphflow.engine._lease import LeaseRow

__all__ = ["daemon"]


def _client(ctx: click.Context) -> DaemonClient:
    from graphflow.daemon import DaemonClient

    return DaemonClient(use_profile(ctx))


def _state(worker: dict[str, Any]) -> str:
    if not worker["alive"]:
        return "[red]down[/]"
    return "[yellow]unhealthy[/]" if worker.get("problem") else "[green]running[/]"


def _memory_mib(pid: int | None) -> str:
    if pid is None:
        return ""
    try:
        import psutil

        return f"{psutil.Process(pid).memory_info().rss / 2**20:.0f} MiB"
    except Exception:
        return "?"


def _print_status(status: dict[str, Any] | None, profile: str) -> None:
    if status is None:
        console.print(f"The daemon of profile [bold]{profile}[/] is not running.")
        return
    uptime = time.time() - status["started"]
    console.print(
        f"Daemon of profile [bold]{profile}[/]: supervisor pid {status['pid']}, "
        f"up {uptime:.0f} s, {counted(len(status['workers']), 'worker')}"
    )
    table = Table(
        "worker",
        "pid",
        "state",
        "memory",
        "slots used",
        "waiting",
        "parked",
        "done",
        "restarts",
        box=None,
    )
    for worker in status["workers"]:
        slots = worker.get("slots")
        used = f"{worker.get('busy') or 0}/{slots}" if slots is not None else "starting"
        table.add_row(
            str(worker["number"]),
            str(worker["pid"] or ""),
            _state(worker),
            _memory_mib(worker["pid"]) if worker["alive"] else "",
            used,
            str(worker.get("waiting") or 0),
            str(worker.get("parked") or 0),
            str(worker.get("done") or 0),
            str(worker["restarts"]),
        )
    console.print(table)
    for worker in status["workers"]:
        if worker["alive"] and worker.get("problem"):
            console.print(f"[yellow]Worker {worker['number']} is unhealthy:[/] {worker['problem']}")


def _leases(profile: Profile) -> list[LeaseRow] | str:
    """The leases of the profile's workers on every host, or why they could not be read."""
    from graphflow import _loop
    from graphflow.engine._lease import list_leases
    from graphflow.errors import GraphflowError
    from graphflow.orm import get_backend

    async def read() -> list[LeaseRow]:
        backend = await get_backend(profile)
        return await list_leases(backend.store, profile.name)

    try:
        return _loop.call(read())
    except GraphflowError as exc:
        return str(exc)


def _print_hosts(leases: list[LeaseRow] | str) -> None:
    """Every host's workers, from their leases in the store; other hosts' rows marked."""
    if isinstance(leases, str):
        console.print(f"[yellow]The workers of other hosts are unknown:[/] {leases}")
        return
    interpreters = [lease for lease in leases if lease.kind == "interpreter" and lease.alive]
    leases = [lease for lease in leases if lease.kind != "interpreter"]
    here = socket.gethostname()
    others = sorted({lease.host for lease in leases if lease.host != here})
    console.print(
        "Workers of every host, from their leases in the store: "
        f"{counted(len(leases), 'worker')} on "
        f"{counted(len({lease.host for lease in leases}), 'host')}"
        + (f" ({len(others)} other: {', '.join(others)})" if others else "")
    )
    if interpreters:
        console.print(
            f"and {counted(len(interpreters), 'interpreter')} running processes outside the "
            "daemon (scripts, notebooks: "
            + ", ".join(f"{lease.host} pid {lease.pid}" for lease in interpreters)
            + ")"
        )
    if not leases:
        return
    table = Table(
        "host", "pid", "state", "slots used", "waiting", "done", "renewed", "up", box=None
    )
    for lease in leases:
        where = "this host" if lease.host == here else "[bold]other host[/]"
        state = "[green]running[/]" if lease.alive else "[red]expired[/]"
        used = f"{lease.busy or 0}/{lease.slots}" if lease.slots is not None else ""
        table.add_row(
            f"{lease.host} ({where})",
            str(lease.pid),
            state,
            used,
            str(lease.waiting or 0),
            str(lease.done or 0),
            f"{lease.age:.0f} s ago",
            f"{lease.up:.0f} s",
        )
    console.print(table)
    expired = [lease for lease in leases if not lease.alive]
    if expired:
        console.print(
            f"[red]{counted(len(expired), 'lease')} of workers expired[/] (their hosts stopped "
            "renewing): "
            "their processes are taken over by the live workers"
        )


@click.group()
def daemon() -> None:
    """Run submitted processes in background workers (needs a broker)."""


@daemon.command("start")
@click.argument("workers", type=click.IntRange(min=1), default=1)
@click.pass_context
def start(ctx: click.Context, workers: int) -> None:
    """Start the daemon with WORKERS workers (default 1)."""
    client = _client(ctx)
    started, status = client.start(workers)
    if not started:
        console.print("The daemon is already running.")
    _print_status(status, client.profile.name)


@daemon.command("stop")
@click.pass_context
def stop(ctx: click.Context) -> None:
    """Stop the daemon; running processes are handed back to the queue."""
    client = _client(ctx)
    console.print("Daemon stopped." if client.stop() else "The daemon was not running.")


@daemon.command("restart")
@click.pass_context
def restart(ctx: click.Context) -> None:
    """Stop and start the daemon with the same number of workers."""
    client = _client(ctx)
    client.check_startable()  # never stop a daemon that could not be started again
    status = client.status()
    workers = len(status["workers"]) if status else 1
    client.stop()
    _, status = client.start(workers)
    _print_status(status, client.profile.name)


@daemon.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show this host's workers (pid, memory, slots used), then every host's."""
    client = _client(ctx)
    current = client.status()
    if current is None:
        console.print(
            f"The daemon of profile [bold]{client.profile.name}[/] is not running on this "
            f"host ({socket.gethostname()})."
        )
    else:
        _print_status(current, client.profile.name)
    if current is not None or client.profile.store.kind != "embedded":
        # an embedded store is reached from this host only: not started just for this
        _print_hosts(_leases(client.profile))
    if current is None:
        ctx.exit(1)


@daemon.command("incr")
@click.argument("count", type=click.IntRange(min=1), default=1)
@click.pass_context
def incr(ctx: click.Context, count: int) -> None:
    """Add COUNT workers."""
    client = _client(ctx)
    _print_status(client.request("incr", count), client.profile.name)


@daemon.command("decr")
@click.argument("count", type=click.IntRange(min=1), default=1)
@click.pass_context
def decr(ctx: click.Context, count: int) -> None:
    """Remove COUNT workers (their processes are handed back)."""
    client = _client(ctx)
    _print_status(client.request("decr", count), client.profile.name)


@daemon.command("logs")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines until Ctrl-C.")
@click.option("-n", "--lines", default=30, show_default=True, help="Lines of each log to show.")
@click.pass_context
def logs(ctx: click.Context, follow: bool, lines: int) -> None:
    """Show the daemon's logs (supervisor and workers)."""
    files = _client(ctx).log_files()
    if not files:
        console.print("No daemon logs yet.")
        return
    offsets: dict[Path, int] = {}
    for path in files:
        text = path.read_text(errors="replace").splitlines()
        click.echo(f"==> {path.name} <==")
        for line in text[-lines:]:
            click.echo(line)
        offsets[path] = path.stat().st_size
    while follow:
        time.sleep(0.5)
        for path in _client(ctx).log_files():
            size = path.stat().st_size
            start = offsets.get(path, 0)
            if size > start:
                with open(path, errors="replace") as handle:
                    handle.seek(start)
                    for line in handle.read().splitlines():
                        click.echo(f"{path.stem}: {line}")
                offsets[path] = size
