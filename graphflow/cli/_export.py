"""``graphflow export``: write provenance in exchange formats (W3C PROV)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from graphflow.cli._node import Depth, parse_identifier
from graphflow.store._driver_import import import_driver

__all__ = ["export"]

PROV_FORMATS = ("json", "provn", "xml")


@click.group()
def export() -> None:
    """Export provenance (W3C PROV)."""


@export.command("prov")
@click.argument("identifiers", nargs=-1, required=True)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(PROV_FORMATS),
    default="json",
    show_default=True,
    help="PROV-JSON, PROV-N or PROV-XML.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    help="File to write (default '-': standard output).",
)
@click.option(
    "-a", "--ancestor-depth", type=Depth(), default=None, help="Links upstream (default: all)."
)
@click.option(
    "-d", "--descendant-depth", type=Depth(), default=0, help="Links downstream (default: 0)."
)
@click.option(
    "-l",
    "--links",
    type=click.Choice(("data", "logic", "all")),
    default="all",
    show_default=True,
    help="Which links to follow.",
)
@click.pass_context
def prov(
    ctx: click.Context,
    identifiers: tuple[str, ...],
    fmt: str,
    output: str,
    ancestor_depth: int | None,
    descendant_depth: int | None,
    links: str,
) -> None:
    """Write the provenance of nodes (by pk, uuid or uuid prefix) as W3C PROV.

    Data nodes become entities, processes activities; INPUT is `used`, CREATE
    `wasGeneratedBy`, RETURN `wasInfluencedBy` (typed graphflow:RETURN), CALL
    `wasStartedBy` with the caller as starter; each process is associated with the
    graphflow agent and a plan naming its process class.
    """
    import_driver()
    from graphflow import _loop
    from graphflow.lineage._prov import aexport_prov
    from graphflow.orm import aload_node, get_backend, load_profile

    load_profile((ctx.find_root().obj or {}).get("profile"))  # as use_profile, without rich

    async def write() -> tuple[str, list[Any]]:
        backend = await get_backend()
        found = [await aload_node(backend, parse_identifier(text)) for text in identifiers]
        text = await aexport_prov(
            found,
            fmt,
            ancestor_depth=ancestor_depth,
            descendant_depth=descendant_depth,
            links=links,
        )
        return text, found

    text, found = _loop.call(write())
    if output == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    Path(output).write_text(text, encoding="utf-8")
    pks = ", ".join(str(n.pk) for n in found)
    click.echo(f"Wrote the provenance of pk {pks} to {output} (PROV-{fmt.upper()}).", err=True)
