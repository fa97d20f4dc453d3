"""Writing an archive: the nodes asked for and the provenance they need.

What a node brings along follows AiiDA's default traversal rules for ``verdi archive
create``: a process its inputs, a calculation what it created, a workflow what it called
and returned, a data node the calculation that created it (``archive.neighbours``). So
an archive holds every ancestor of what it was asked for, and a workflow's whole work.

The store is read a page of nodes at a time and the archive written as it is read, so
memory holds the set of uuids, never the nodes. Only terminated processes are archived:
one that still runs would be continued by whoever imports it.
"""

from __future__ import annotations

import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphflow import _loop
from graphflow.archive._format import PAGE, ArchiveWriter, Progress, pages
from graphflow.archive._store import current_backend, read_rows
from graphflow.errors import ArchiveError, NotExistentError, RepositoryError
from graphflow.orm import Data, Group, aload_group, aload_node, node_from_record
from graphflow.types import ProcessState

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence

    from graphflow.orm import Backend

__all__ = ["create_archive"]


def create_archive(
    path: str | os.PathLike[str],
    *,
    nodes: Sequence[int | str] = (),
    groups: Sequence[str] = (),
    everything: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write the archive of the current profile's ``nodes`` (pks, uuids) and the nodes of
    its ``groups`` (labels), or of ``everything`` (every node and group), to ``path``;
    what it holds, by kind. A failure leaves no file behind."""
    target = Path(path)
    if not nodes and not groups and not everything:
        raise ArchiveError(
            "an archive needs nodes or groups: give --nodes PK... or --groups LABEL... (or --all)"
        )
    if target.exists():
        raise ArchiveError(f"{target} exists already: give a new file name")
    report = progress or (lambda _phase, _done, _total: None)
    backend = current_backend()
    start, group_records = _starting_points(backend, nodes, groups, everything)
    # every node's provenance is among every node: nothing to traverse
    uuids = start if everything else _closure(backend, start, report)
    partial = target.with_name(target.name + ".partial")
    writer = ArchiveWriter(partial)
    try:
        keys, processes = _write_nodes(backend, writer, uuids, report)
        _write_links(backend, writer, uuids, report)
        _write_logs(backend, writer, processes)
        writer.start("groups")
        for record in group_records:
            writer.line(record)
        for key in sorted(keys):
            try:
                source = backend.repository.path(key)
            except RepositoryError as exc:
                raise ArchiveError(f"{exc}; a node of the archive names it") from None
            writer.add_file(key, source)
            report("files", writer.counts["files"], len(keys))
        writer.finish(
            {"created": datetime.datetime.now(datetime.UTC).isoformat(), "graphflow": _version()}
        )
    except BaseException:
        writer.abandon()
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return dict(writer.counts)


def _version() -> str:
    try:
        return version("graphflow")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


def _starting_points(
    backend: Backend, nodes: Sequence[int | str], groups: Sequence[str], everything: bool
) -> tuple[set[str], list[dict[str, Any]]]:
    """The uuids asked for, and the groups' records."""
    start = {_loop.call(aload_node(backend, identifier)).uuid for identifier in nodes}
    found: list[Any] = []
    for label in groups:
        try:
            found.append(_loop.call(aload_group(label)))
        except NotExistentError as exc:
            raise ArchiveError(str(exc)) from None
    if everything:
        start.update(row["uuid"] for row in read_rows(backend, "archive.every_node"))
        rows = read_rows(backend, "orm.list_groups", type_string=None)
        known = {group.key for group in found}
        every = [Group._from_props(dict(row["group"].items())) for row in rows]
        found += [group for group in every if group.key not in known]
    records = []
    for group in found:
        members = _uuids(backend, "archive.group_members", key=group.key)
        start.update(members)
        records.append(
            {
                "uuid": group.uuid,
                "label": group.label,
                "type_string": group.type_string,
                "description": group.description,
                "ctime": group.ctime,
                "nodes": members,
            }
        )
    return start, records


def _uuids(backend: Backend, name: str, **params: Any) -> list[str]:
    """The uuids a paged statement (``after``, ``limit``: pk order) returns, page by page."""
    found: list[str] = []
    after = -(2**63)
    while rows := read_rows(backend, name, after=after, limit=PAGE, **params):
        found += [row["uuid"] for row in rows]
        after = rows[-1]["pk"]
    return found


def _closure(backend: Backend, start: set[str], report: Progress) -> set[str]:
    """``start`` and everything its nodes bring along (see the module's docstring)."""
    found = set(start)
    frontier = sorted(start)
    while frontier:
        reached: set[str] = set()
        for page in pages(frontier):
            rows = read_rows(backend, "archive.neighbours", uuids=page)
            reached.update(row["uuid"] for row in rows)
        frontier = sorted(reached - found)
        found.update(frontier)
        report("traversed", len(found), None)
    return found


def _write_nodes(
    backend: Backend, writer: ArchiveWriter, uuids: set[str], report: Progress
) -> tuple[set[str], list[str]]:
    """The nodes' lines; the repository keys their files are under, and the processes."""
    keys: set[str] = set()
    processes: list[str] = []
    writer.start("nodes")
    for page in pages(sorted(uuids)):
        for row in read_rows(backend, "archive.nodes", uuids=page):
            props = dict(row["props"])
            node = node_from_record(props)
            state = props.get("process_state")
            if state is not None:
                if not ProcessState(state).is_terminal:
                    raise ArchiveError(
                        f"{node._ident()} ({props.get('process_label')}) is {state}: only "
                        "terminated processes are archived; wait for it, or kill it"
                    )
                processes.append(node.uuid)
            if isinstance(node, Data):
                keys.update(node._repository_keys())
            props.pop("pk", None)  # each profile numbers its nodes itself
            writer.line(props)
        report("nodes", writer.counts["nodes"], len(uuids))
    return keys, processes


def _write_links(
    backend: Backend, writer: ArchiveWriter, uuids: set[str], report: Progress
) -> None:
    """Every provenance link between two archived nodes."""
    writer.start("links")
    for page in pages(sorted(uuids)):
        for row in read_rows(backend, "archive.links_from", uuids=page):
            if row["target"] in uuids:
                writer.line(dict(row))
        report("links", writer.counts["links"], None)


def _write_logs(backend: Backend, writer: ArchiveWriter, processes: list[str]) -> None:
    writer.start("logs")
    for page in pages(processes):
        for row in read_rows(backend, "archive.logs", uuids=page):
            props = dict(row["props"])
            props.pop("process_pk", None)  # the importing profile's pk is set on import
            writer.line(props)
