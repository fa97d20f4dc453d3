"""``graphflow status``: the profile, its store, its broker (and daemon) at a glance."""

from __future__ import annotations

import click
from rich.table import Table

from graphflow import _loop
from graphflow.cli._common import console, use_profile
from graphflow.errors import GraphflowError

__all__ = ["status"]


@click.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show the profile, the store (running, URI, node count), the broker and the daemon."""
    prof = use_profile(ctx)
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
    if stopped:  # said as it is: looking must not start it
        table.add_row(
            "[bold]store[/]",
            "stopped: embedded ArcadeDB (it starts on first use, or 'graphflow store start')",
        )
    else:
        try:
            uri, count = _loop.call(store_state())
            kind = "embedded ArcadeDB" if prof.store.kind == "embedded" else "Neo4j"
            table.add_row("[bold]store[/]", f"[green]running[/] {kind} at {uri}, {count} nodes")
        except GraphflowError as exc:
            table.add_row("[bold]store[/]", f"[red]unavailable[/]: {exc}")
            ok = False
    broker = prof.broker_url()
    from graphflow.config import redact_url

    table.add_row(
        "[bold]broker[/]",
        redact_url(broker)
        if broker
        else "none (processes run in the interpreter that starts them)",
    )
    warnings: list[str] = []
    if broker:
        from graphflow.daemon import DaemonClient

        daemon = DaemonClient(prof).status()
        if daemon is None:
            table.add_row("[bold]daemon[/]", "not running ('graphflow daemon start')")
        else:
            alive = sum(1 for w in daemon["workers"] if w["alive"])
            table.add_row(
                "[bold]daemon[/]", f"[green]running[/]: {alive} workers (pid {daemon['pid']})"
            )
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
                ok = False
    console.print(table)
    for warning in warnings:
        console.print(f"[yellow]Warning:[/] {warning}")
    if not ok:
        ctx.exit(1)
