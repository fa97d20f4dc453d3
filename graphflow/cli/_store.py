"""``graphflow store``: the graph store of the current profile."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import click
from rich.table import Table

from graphflow import _loop
from graphflow.cli._common import console, use_profile
from graphflow.orm import embedded_server

if TYPE_CHECKING:
    from graphflow.config import Profile
    from graphflow.store import EmbeddedServer

__all__ = ["store"]


def _server(prof: Profile) -> EmbeddedServer:
    return embedded_server(prof)


@click.group()
def store() -> None:
    """Show, start and stop the graph store of the current profile."""


def _not_embedded(prof: Profile) -> bool:
    if prof.store.kind == "embedded":
        return False
    console.print(
        f"Profile [bold]{prof.name}[/] uses the Neo4j server {prof.describe()['store']}; "
        "graphflow does not start or stop it."
    )
    return True


@store.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show whether the store runs, where, and how big it is."""
    prof = use_profile(ctx)
    table = Table(show_header=False, box=None)
    if prof.store.kind != "embedded":
        table.add_row("[bold]store[/]", prof.describe()["store"])
        console.print(table)
        return
    info = _server(prof).status()
    table.add_row("[bold]profile[/]", prof.name)
    table.add_row("[bold]running[/]", "yes" if info["running"] else "no")
    if info["running"]:
        started = datetime.datetime.fromtimestamp(info["started"]).isoformat(timespec="seconds")
        table.add_row("[bold]pid[/]", str(info["pid"]))
        table.add_row("[bold]uri[/]", info["uri"])
        table.add_row("[bold]started[/]", started)
    table.add_row("[bold]data[/]", f"{info['data_directory']} ({info['data_bytes'] / 1e6:.1f} MB)")
    table.add_row("[bold]log[/]", info["log_file"])
    console.print(table)


@store.command("start")
@click.pass_context
def start(ctx: click.Context) -> None:
    """Start the embedded store (it also starts by itself on first use)."""
    prof = use_profile(ctx)
    if _not_embedded(prof):
        return
    info = _loop.call(_server(prof).ensure_running())
    console.print(
        f"Store of profile [bold]{prof.name}[/] is running at {info.uri} (pid {info.pid})."
    )


@store.command("stop")
@click.pass_context
def stop(ctx: click.Context) -> None:
    """Stop the embedded store (graphflow processes of this profile lose it until restarted)."""
    prof = use_profile(ctx)
    if _not_embedded(prof):
        return
    stopped = _loop.call(_server(prof).stop())
    console.print("Store stopped." if stopped else "Store was not running.")
