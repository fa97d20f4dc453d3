"""``graphflow group``: named collections of nodes (create, list, show, add, remove, ...)."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from graphflow.cli._common import console, use_profile
from graphflow.cli._output import chosen, emit, format_option, node_json

__all__ = ["group"]


@click.group()
def group() -> None:
    """Create and fill groups: named collections of nodes."""


def _group_json(found: Any, count: int) -> dict[str, Any]:
    return {
        "label": found.label,
        "type_string": found.type_string,
        "description": found.description,
        "uuid": found.uuid,
        "ctime": found.ctime.isoformat() if found.ctime else None,
        "count": count,
    }


def _nodes_phrase(count: int) -> str:
    return f"{count} node" if count == 1 else f"{count} nodes"


def _nodes(identifiers: tuple[str, ...]) -> list[Any]:
    from graphflow.cli._node import parse_identifier
    from graphflow.orm import load_node

    return [load_node(parse_identifier(identifier)) for identifier in identifiers]


@group.command("create")
@click.argument("label")
@click.option("-D", "--description", default="", help="What the group is for.")
@click.pass_context
def create(ctx: click.Context, label: str, description: str) -> None:
    """Create the group LABEL."""
    from graphflow.orm import Group

    use_profile(ctx)
    Group(label=label, description=description).store()
    console.print(f"Created group [bold]{label}[/].")


@group.command("list")
@format_option()
@click.pass_context
def list_(ctx: click.Context, output_format: str, as_json: bool) -> None:
    """List the groups with how many nodes each holds."""
    from graphflow.orm import list_groups

    fmt = chosen(output_format, as_json)
    use_profile(ctx)
    groups = list_groups()

    def table() -> None:
        if not groups:
            console.print("No groups yet: create one with 'graphflow group create LABEL'.")
            return
        shown = Table("label", "nodes", "description", box=None)
        for found, count in groups:
            shown.add_row(found.label, str(count), found.description)
        console.print(shown)

    emit(fmt, [_group_json(g, n) for g, n in groups], table)


@group.command("show")
@click.argument("label")
@click.option("-l", "--limit", type=click.IntRange(min=1), default=100, show_default=True)
@format_option(csv_ok=False)
@click.pass_context
def show(ctx: click.Context, label: str, limit: int, output_format: str, as_json: bool) -> None:
    """Show the group LABEL and its nodes (the first --limit of them, by pk)."""
    from graphflow.orm import load_group

    fmt = chosen(output_format, as_json)
    use_profile(ctx)
    found = load_group(label)
    nodes = found.nodes[:limit]
    count = found.count()

    def table() -> None:
        console.print(f"[bold]{found.label}[/] ({_nodes_phrase(count)}) {found.description}")
        shown = Table("pk", "type", "label", box=None)
        for node in nodes:
            shown.add_row(str(node.pk), node.type_label, node.label)
        console.print(shown)

    emit(fmt, {**_group_json(found, count), "nodes": [node_json(n) for n in nodes]}, table)


@group.command("add")
@click.argument("label")
@click.argument("identifiers", nargs=-1, required=True)
@click.pass_context
def add(ctx: click.Context, label: str, identifiers: tuple[str, ...]) -> None:
    """Add nodes (pks or uuids) to the group LABEL."""
    _change_members(ctx, label, identifiers, add=True)


@group.command("remove")
@click.argument("label")
@click.argument("identifiers", nargs=-1, required=True)
@click.pass_context
def remove(ctx: click.Context, label: str, identifiers: tuple[str, ...]) -> None:
    """Take nodes out of the group LABEL (the nodes stay)."""
    _change_members(ctx, label, identifiers, add=False)


def _change_members(
    ctx: click.Context, label: str, identifiers: tuple[str, ...], *, add: bool
) -> None:
    from graphflow.orm import load_group

    use_profile(ctx)
    found = load_group(label)
    nodes = _nodes(identifiers)
    if add:
        found.add_nodes(nodes)
    else:
        found.remove_nodes(nodes)
    console.print(f"Group [bold]{label}[/] holds {_nodes_phrase(found.count())}.")


@group.command("delete")
@click.argument("label")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def delete(ctx: click.Context, label: str, yes: bool) -> None:
    """Delete the group LABEL (its nodes stay)."""
    from graphflow.orm import delete_group, load_group

    use_profile(ctx)
    count = load_group(label).count()
    if not yes and not click.confirm(
        f"Delete group {label!r} ({count} nodes; the nodes stay)?", default=False
    ):
        raise click.Abort
    delete_group(label)
    console.print(f"Deleted group [bold]{label}[/].")


@group.command("copy")
@click.argument("source")
@click.argument("target")
@click.pass_context
def copy(ctx: click.Context, source: str, target: str) -> None:
    """Put every node of group SOURCE in group TARGET (created if it does not exist)."""
    from graphflow.orm import copy_group

    use_profile(ctx)
    made = copy_group(source, target)
    console.print(f"Group [bold]{target}[/] holds {_nodes_phrase(made.count())}.")
