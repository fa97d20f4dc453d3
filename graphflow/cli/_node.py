"""``graphflow node``: show a node with its attributes and links, and draw its provenance.

Imports are made inside the commands: ``node graph`` is timed end to end against
``verdi node graph generate``, start-up included, so nothing it does not use is loaded.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from graphflow.cli._output import format_option
from graphflow.store._driver_import import import_driver

__all__ = ["node", "parse_identifier"]

FORMATS = ("svg", "png", "pdf", "dot", "html")
LINK_MODES = ("data", "logic", "all")


def parse_identifier(text: str) -> int | str:
    """A pk when the text is all digits, else a uuid or uuid prefix."""
    if text.startswith("-") and text[1:].isdigit():
        from graphflow.errors import NotExistentError

        raise NotExistentError(f"no node with pk {text}: a pk is a positive whole number")
    return int(text) if text.isdigit() else text


@click.group()
def node() -> None:
    """Inspect nodes and draw their provenance."""


@node.command("show")
@click.argument("identifiers", nargs=-1, required=True)
@format_option(csv_ok=False)
@click.pass_context
def show(
    ctx: click.Context, identifiers: tuple[str, ...], output_format: str, as_json: bool
) -> None:
    """Show nodes (by pk, uuid or uuid prefix): properties, attributes and links."""
    import_driver()
    from graphflow import _loop
    from graphflow.cli._common import console, use_profile
    from graphflow.cli._output import chosen, emit, link_json, node_json
    from graphflow.lineage._views import links_table, node_table
    from graphflow.orm import alinks, aload_node, get_backend

    fmt = chosen(output_format, as_json)
    use_profile(ctx)

    async def load(identifier: str) -> tuple[Any, list[Any], list[Any]]:
        backend = await get_backend()
        found = await aload_node(backend, parse_identifier(identifier))
        types = ["INPUT", "CREATE", "RETURN", "CALL"]
        incoming = await alinks(backend, found, types, incoming=True)
        outgoing = await alinks(backend, found, types, incoming=False)
        return found, incoming, outgoing

    loaded = [_loop.call(load(identifier)) for identifier in identifiers]

    def table() -> None:
        for found, incoming, outgoing in loaded:
            console.print(node_table(found))
            for title, links in (("incoming", incoming), ("outgoing", outgoing)):
                if links:
                    console.print(links_table(title, links))

    data = [
        {
            **node_json(found, details=True),
            "incoming": [link_json(*link) for link in incoming],
            "outgoing": [link_json(*link) for link in outgoing],
        }
        for found, incoming, outgoing in loaded
    ]
    emit(fmt, data, table)


@node.command("rehash")
@click.argument("identifiers", nargs=-1)
@click.pass_context
def rehash(ctx: click.Context, identifiers: tuple[str, ...]) -> None:
    """Compute the hashes caching looks up again: of the nodes given, or of every data node
    and calculation (for nodes stored before graphflow hashed them, or after an upgrade
    that changed what a hash is made of)."""
    import_driver()
    from graphflow import _loop
    from graphflow.cli._common import console, use_profile
    from graphflow.orm import aload_node, get_backend
    from graphflow.orm._rehash import arehash

    use_profile(ctx)
    if not identifiers:

        async def every_node() -> tuple[int, int]:
            return await arehash(await get_backend())

        data, calculations = _loop.call(every_node())
        console.print(
            f"Hashed again: {data} data node(s) and {calculations} calculation(s) changed."
        )
        return

    async def load(identifier: str) -> Any:
        return await aload_node(await get_backend(), parse_identifier(identifier))

    for identifier in identifiers:
        found = _loop.call(load(identifier))
        before = found._hash
        after = found.rehash()
        change = "unchanged" if after == before else "changed"
        shown = after or "none (workflows are never cached)"
        console.print(f"{found.type_label} {found.pk}: hash {shown}, {change}.")


class Depth(click.ParamType[int, Any]):
    """A depth in links: a whole number, 0 for none; omitted for no limit."""

    name = "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        text = str(value).strip()
        if not text.isdigit():
            self.fail(
                f"{value!r} is not a depth: give a whole number of links (0 for none), or "
                "leave the option out for no limit",
                param,
                ctx,
            )
        return int(text)


@node.command("graph")
@click.argument("identifiers", nargs=-1, required=True)
@click.option(
    "-a", "--ancestor-depth", type=Depth(), default=None, help="Links upstream (default: all)."
)
@click.option(
    "-d", "--descendant-depth", type=Depth(), default=None, help="Links downstream (default: all)."
)
@click.option(
    "-l",
    "--links",
    type=click.Choice(LINK_MODES),
    default="data",
    show_default=True,
    help="data: INPUT and CREATE; logic: INPUT, RETURN and CALL; all: every link.",
)
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="svg", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="File to write ('-': standard output); default PK.FORMAT here.",
)
@click.option(
    "--max-nodes",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Refuse to draw more nodes than this.",
)
@click.pass_context
def graph(
    ctx: click.Context,
    identifiers: tuple[str, ...],
    ancestor_depth: int | None,
    descendant_depth: int | None,
    links: str,
    fmt: str,
    output: str | None,
    max_nodes: int,
) -> None:
    """Draw the provenance graph of nodes (by pk, uuid or uuid prefix) with Graphviz, or
    as an interactive page (--format html: zoom, pan, hover for attributes; needs the
    jupyter extra).

    Data are green ellipses, calculations red boxes, workflows orange rounded boxes; the
    nodes asked about have a double border and failed processes a red one. Links are
    labelled with their type and label.
    """
    import_driver()
    from graphflow import _loop
    from graphflow.lineage._interactive import ainteractive
    from graphflow.lineage._render import arender
    from graphflow.orm import aload_node, get_backend, load_profile

    load_profile((ctx.find_root().obj or {}).get("profile"))  # as use_profile, without rich

    async def draw() -> tuple[bytes, list[Any]]:
        backend = await get_backend()
        found = [await aload_node(backend, parse_identifier(text)) for text in identifiers]
        if fmt == "html":  # the interactive page, as a notebook shows it
            view = await ainteractive(
                found,
                ancestor_depth=ancestor_depth,
                descendant_depth=descendant_depth,
                links=links,
                max_nodes=max_nodes,
            )
            return view.html.encode(), found
        data = await arender(
            found,
            fmt,
            ancestor_depth=ancestor_depth,
            descendant_depth=descendant_depth,
            links=links,
            max_nodes=max_nodes,
        )
        return data, found

    data, found = _loop.call(draw())
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    target = Path(output or "_".join(str(n.pk) for n in found) + f".{fmt}")
    target.write_bytes(data)
    click.echo(f"Wrote {target} ({len(data):,} bytes).")
