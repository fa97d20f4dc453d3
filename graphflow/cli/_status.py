"""``graphflow status``: the profile, its store, its broker (and daemon) at a glance."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from graphflow import _loop
from graphflow.cli._common import console, use_profile
from graphflow.cli._output import chosen, emit, format_option
from graphflow.errors import GraphflowError

if TYPE_CHECKING:
    from graphflow.config import Profile

__all__ = ["status"]


@click.command()
@format_option(csv_ok=False)
@click.pass_context
def status(ctx: click.Context, output_format: str, as_json: bool) -> None:
    """Show the profile, the store (running, URI, node count), the broker and the daemon."""
    fmt = chosen(output_format, as_json)
    prof = use_profile(ctx)
    data, broker_error = _gather(prof)
    emit(fmt, data, lambda: _show(data, broker_error))
    if not data["ok"]:
        ctx.exit(1)


def _gather(prof: Profile) -> tuple[dict[str, Any], str | None]:
    """What ``status`` reports, as the JSON keys the README lists (and why the broker
    could not be reached, if it could not); starts nothing."""
    from graphflow.config import redact_url
    from graphflow.orm import embedded_server, get_backend
    from graphflow.store import query

    async def store_state() -> tuple[str, int]:
        backend = await get_backend(prof)
        rows = await backend.store.read(query("orm.count_nodes"))
        return backend.store.uri, int(rows[0]["count"])

    ok = True
    broker_error = None
    kind = prof.store.kind
    if kind == "embedded" and embedded_server(prof).running_info() is None:
        store: dict[str, Any] = {"state": "stopped", "kind": kind, "uri": None, "nodes": None}
    else:
        try:
            uri, count = _loop.call(store_state())
            store = {"state": "running", "kind": kind, "uri": uri, "nodes": count}
        except GraphflowError as exc:
            store = {"state": "unavailable", "kind": kind, "error": str(exc)}
            ok = False
    broker = prof.broker_url()
    data: dict[str, Any] = {
        "profile": {"name": prof.name, "directory": str(prof.directory)},
        "store": store,
        "broker": redact_url(broker) if broker else None,
        "daemon": None,
        "warnings": [],
    }
    if broker:
        from graphflow.daemon import DaemonClient

        daemon = DaemonClient(prof).status()
        if daemon is None:
            data["daemon"] = {"running": False, "pid": None, "workers": 0}
        else:
            alive = sum(1 for w in daemon["workers"] if w["alive"])
            data["daemon"] = {"running": True, "pid": daemon["pid"], "workers": alive}
        if store["state"] == "running":
            try:
                from graphflow.engine._repair import arepair

                report = _loop.call(arepair(dry_run=True, rpc_timeout=1.0))
                if report.lost:
                    pks = ", ".join(str(n.pk) for n in report.lost[:10])
                    more = ", ..." if len(report.lost) > 10 else ""
                    data["warnings"].append(
                        f"{len(report.lost)} processes have no task and no live runner "
                        f"(pks {pks}{more}): 'graphflow process repair' queues them again"
                    )
            except GraphflowError as exc:
                broker_error = str(exc)
                data["warnings"].append(f"the broker is unreachable: {exc}")
                ok = False
    data["ok"] = ok
    return data, broker_error


def _show(data: dict[str, Any], broker_error: str | None) -> None:
    """The table people read, made from the same data as the JSON."""
    table = Table(show_header=False, box=None)
    profile = data["profile"]
    table.add_row("[bold]profile[/]", f"{profile['name']} ({profile['directory']})")
    store = data["store"]
    kind = "embedded ArcadeDB" if store["kind"] == "embedded" else "Neo4j"
    if store["state"] == "stopped":  # said as it is: looking must not start it
        said = "stopped: embedded ArcadeDB (it starts on first use, or 'graphflow store start')"
    elif store["state"] == "running":
        said = f"[green]running[/] {kind} at {store['uri']}, {store['nodes']} nodes"
    else:
        said = f"[red]unavailable[/]: {store['error']}"
    table.add_row("[bold]store[/]", said)
    table.add_row(
        "[bold]broker[/]",
        data["broker"] or "none (processes run in the interpreter that starts them)",
    )
    daemon = data["daemon"]
    if daemon is not None and daemon["running"]:
        running = f"[green]running[/]: {daemon['workers']} workers (pid {daemon['pid']})"
        table.add_row("[bold]daemon[/]", running)
    elif daemon is not None:
        table.add_row("[bold]daemon[/]", "not running ('graphflow daemon start')")
    if broker_error is not None:
        table.add_row("[bold]broker[/]", f"[red]unreachable[/]: {broker_error}")
    console.print(table)
    for warning in data["warnings"]:
        console.print(f"[yellow]Warning:[/] {warning}")
