"""``graphflow status``: the profile, its store, its broker (and daemon) at a glance."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from graphflow import _loop
from graphflow.cli._common import console, use_profile
from graphflow.cli._output import chosen, emit, format_option
from graphflow.errors import GraphflowError

__all__ = ["status"]


@click.command()
@format_option(csv_ok=False)
@click.pass_context
def status(ctx: click.Context, output_format: str, as_json: bool) -> None:
    """Show the profile, the store (running, URI, node count), the broker and the daemon."""
    fmt = chosen(output_format, as_json)
    prof = use_profile(ctx)
    data: dict[str, Any] = {
        "profile": {"name": prof.name, "directory": str(prof.directory)},
        "store": None,
        "broker": None,
        "daemon": None,
        "warnings": [],
    }
    from graphflow.orm import get_backend
    from graphflow.store import query

    table = Table(show_header=False, box=None)
    table.add_row("[bold]profile[/]", f"{prof.name} ({prof.directory})")

    async def store_state() -> tuple[str, int]:
        backend = await get_backend(prof)
        rows = await backend.store.read(query("orm.count_nodes"))
        return backend.store.uri, int(rows[0]["count"])

    from graphflow.orm import embedded_server

    stopped = prof.store.kind == "embedded" and embedded_server(prof).running_info() is None
    ok = True
    kind = "embedded ArcadeDB" if prof.store.kind == "embedded" else "Neo4j"
    if stopped:  # said as it is: looking must not start it
        table.add_row(
            "[bold]store[/]",
            "stopped: embedded ArcadeDB (it starts on first use, or 'graphflow store start')",
        )
        data["store"] = {"state": "stopped", "kind": prof.store.kind, "uri": None, "nodes": None}
    else:
        try:
            uri, count = _loop.call(store_state())
            table.add_row("[bold]store[/]", f"[green]running[/] {kind} at {uri}, {count} nodes")
            data["store"] = {
                "state": "running",
                "kind": prof.store.kind,
                "uri": uri,
                "nodes": count,
            }
        except GraphflowError as exc:
            table.add_row("[bold]store[/]", f"[red]unavailable[/]: {exc}")
            data["store"] = {"state": "unavailable", "kind": prof.store.kind, "error": str(exc)}
            ok = False
    broker = prof.broker_url()
    from graphflow.config import redact_url

    table.add_row(
        "[bold]broker[/]",
        redact_url(broker)
        if broker
        else "none (processes run in the interpreter that starts them)",
    )
    data["broker"] = redact_url(broker) if broker else None
    warnings: list[str] = []
    if broker:
        from graphflow.daemon import DaemonClient

        daemon = DaemonClient(prof).status()
        if daemon is None:
            table.add_row("[bold]daemon[/]", "not running ('graphflow daemon start')")
            data["daemon"] = {"running": False, "pid": None, "workers": 0}
        else:
            alive = sum(1 for w in daemon["workers"] if w["alive"])
            table.add_row(
                "[bold]daemon[/]", f"[green]running[/]: {alive} workers (pid {daemon['pid']})"
            )
            data["daemon"] = {"running": True, "pid": daemon["pid"], "workers": alive}
        if ok and not stopped:
            try:
                from graphflow.engine._repair import arepair

                report = _loop.call(arepair(dry_run=True, rpc_timeout=1.0))
                if report.lost:
                    pks = ", ".join(str(n.pk) for n in report.lost[:10])
                    more = ", ..." if len(report.lost) > 10 else ""
                    warnings.append(
                        f"{len(report.lost)} processes have no task and no live runner "
                        f"(pks {pks}{more}): 'graphflow process repair' queues them again"
                    )
            except GraphflowError as exc:
                table.add_row("[bold]broker[/]", f"[red]unreachable[/]: {exc}")
                warnings.append(f"the broker is unreachable: {exc}")
                ok = False
    data["warnings"] = warnings
    data["ok"] = ok

    def show() -> None:
        console.print(table)
        for warning in warnings:
            console.print(f"[yellow]Warning:[/] {warning}")

    emit(fmt, data, show)
    if not ok:
        ctx.exit(1)
