"""``graphflow archive``: write nodes with their provenance to a file, import it elsewhere."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from graphflow._terminal import counted
from graphflow.cli._common import console, err_console, use_profile
from graphflow.cli._output import chosen, emit, format_option

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["archive"]


@click.group()
def archive() -> None:
    """Write nodes and the provenance they need to a file, and import it elsewhere."""


@contextmanager
def _progress(what: str) -> Iterator[Callable[[str, int, int | None], None]]:
    """A bar per phase on stderr (a count where the total is not known yet), on a
    terminal; nothing otherwise."""
    if not err_console.is_terminal:
        yield lambda _phase, _done, _total: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=err_console, transient=True) as bars:
        tasks: dict[str, TaskID] = {}

        def report(phase: str, done: int, total: int | None) -> None:
            if phase not in tasks:
                tasks[phase] = bars.add_task(f"{what}: {phase}", total=total)
            bars.update(tasks[phase], completed=done, total=total)

        yield report


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(
        counted(counts.get(f"{kind}s", 0), kind)
        for kind in ("node", "link", "log", "group", "file")
    )


@archive.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--nodes",
    "-N",
    "nodes",
    multiple=True,
    help="nodes (pks or uuids, comma-separated); repeatable",
)
@click.option("--groups", "-G", "groups", multiple=True, help="a group's label; repeatable")
@click.option("--all", "everything", is_flag=True, help="every node and group of the profile")
@click.pass_context
def create(
    ctx: click.Context,
    file: Path,
    nodes: tuple[str, ...],
    groups: tuple[str, ...],
    everything: bool,
) -> None:
    """Write the nodes and groups given (or all), with all their ancestors (and for
    workflows what they called and returned), their files and logs, to FILE."""
    from graphflow.archive import create_archive
    from graphflow.cli._node import parse_identifier

    use_profile(ctx)
    identifiers = [
        parse_identifier(n.strip()) for text in nodes for n in text.split(",") if n.strip()
    ]
    with _progress(f"writing {file}") as report:
        counts = create_archive(
            file, nodes=identifiers, groups=groups, everything=everything, progress=report
        )
    console.print(f"Wrote {file}: {_counts(counts)}.")


@archive.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.pass_context
def import_(ctx: click.Context, file: Path) -> None:
    """Import FILE into the profile: nodes keep their uuids, what is here already stays."""
    from graphflow.archive import import_archive

    use_profile(ctx)
    with _progress(f"importing {file}") as report:
        counts = import_archive(file, progress=report)
    console.print(f"Imported {file}: new here: {_counts(counts)}.")


@archive.command("inspect")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@format_option(csv_ok=False)
def inspect(file: Path, output_format: str, as_json: bool) -> None:
    """Show what FILE holds: its format version, when it was made, and its counts."""
    from graphflow.archive import inspect_archive

    metadata = inspect_archive(file)

    def table() -> None:
        console.print(f"{file}: {metadata['format']} version {metadata['version']}")
        console.print(f"created {metadata.get('created')} by graphflow {metadata.get('graphflow')}")
        console.print(_counts(metadata.get("counts") or {}))

    data: Any = metadata
    emit(chosen(output_format, as_json), data, table)
