"""Importing an archive into a profile: checked whole, then written a page at a time.

First the archive is read through once and checked against the profile, before anything
is written: its format, every line, every node type (a plugin's must be installed), each
node that exists already (same uuid: it must hold the same content, else the import is
refused naming it), every link (both ends in the archive; a data node keeps one creator)
and every file a node names. Then files, nodes, links, logs and groups are written, a
page per transaction. Nodes keep their uuids and get this profile's pks; what the profile
has already is left as it is, so importing twice adds nothing, and an import stopped
while writing (Ctrl-C, a store that went away) is finished by running it again.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphflow.archive._format import ArchiveReader, Progress, pages
from graphflow.archive._store import (
    current_backend,
    read_rows,
    take_pks,
    write_batch,
    write_statement,
)
from graphflow.errors import ArchiveError, GraphflowError
from graphflow.orm import (
    CalculationNode,
    Data,
    Node,
    ProcessNode,
    WorkflowNode,
    node_from_record,
)
from graphflow.orm._nodes import node_class
from graphflow.store import WriteBatch, check_properties

if TYPE_CHECKING:
    import os

    from graphflow.orm import Backend

__all__ = ["import_archive"]

#: the link rules: (the source's kind, the target's kinds) of each link type
LINK_RULES = {
    "INPUT": ("data", ("calculation", "workflow")),
    "CREATE": ("calculation", ("data",)),
    "RETURN": ("workflow", ("data",)),
    "CALL": ("workflow", ("calculation", "workflow")),
}


def import_archive(
    path: str | os.PathLike[str], *, progress: Progress | None = None
) -> dict[str, int]:
    """Import the archive at ``path`` into the current profile; what was new, by kind."""
    report = progress or (lambda _phase, _done, _total: None)
    backend = current_backend()
    reader = ArchiveReader(Path(path))
    try:
        present, kinds, keys = _check_nodes(backend, reader, report)
        _check_links(backend, reader, present, kinds)
        missing = sorted(keys - set(reader.files()))
        if missing:
            raise ArchiveError(
                f"{reader.path} lacks the file {missing[0]} that one of its nodes names"
            )
        for key in reader.files():  # before anything is written, the repository included
            content = reader.file_digest(key)
            if content != key:
                raise ArchiveError(
                    f"{reader.path}: the file {key} is damaged (its content is {content}); "
                    "nothing was written"
                )
        return _write(backend, reader, present, report)
    finally:
        reader.close()


def _check_nodes(
    backend: Backend, reader: ArchiveReader, report: Progress
) -> tuple[dict[str, bool], dict[str, str], set[str]]:
    """Every node's uuid: whether the profile has it already, and its kind (data,
    calculation, workflow); the files the nodes name."""
    present: dict[str, bool] = {}
    kinds: dict[str, str] = {}
    keys: set[str] = set()
    for page in pages(reader.records("nodes")):
        for record in page:
            uuid = record.get("uuid")
            if not isinstance(uuid, str) or not isinstance(record.get("node_type"), str):
                raise ArchiveError(
                    f"{reader.path}: a node without a uuid or a node_type: {record!r:.200}"
                )
            if uuid in present:
                raise ArchiveError(f"{reader.path} holds node {uuid} twice")
            try:
                _check_property_types(record, uuid)
                check_properties(record, f"node {uuid}")  # what the write would refuse
                node = node_from_record({**record, "pk": None})
            except GraphflowError as exc:
                raise ArchiveError(f"{reader.path}: node {uuid}: {exc}") from None
            if isinstance(node, ProcessNode) and not node.is_terminated:
                raise ArchiveError(
                    f"{reader.path}: node {uuid} is a process that is "
                    f"{node.process_state.value}; archives hold terminated processes only"
                )
            if isinstance(node, Data):
                keys.update(node._repository_keys())
            kinds[uuid] = _kind(node)
            present[uuid] = False
        rows = read_rows(backend, "archive.nodes", uuids=[r["uuid"] for r in page])
        theirs = {r["uuid"]: r for r in page}
        for row in rows:
            ours = row["props"]
            record = theirs[ours["uuid"]]
            for key in ("node_type", "attributes"):
                if ours.get(key) != record.get(key):
                    raise ArchiveError(
                        f"node {ours['uuid']} (pk {ours.get('pk')} here) exists in this profile "
                        f"with another {key.replace('_', ' ')} than in {reader.path}: the "
                        "archive is not imported (nothing was written)"
                    )
            present[ours["uuid"]] = True
        report("checked", len(present), reader.counts.get("nodes"))
    return present, kinds, keys


_SCALARS = (str, int, float, bool, datetime.datetime)
#: the properties every node has that are times
_TIMES = ("ctime", "mtime")


def _check_property_types(record: dict[str, Any], uuid: str) -> None:
    """A property is a scalar or a list of scalars, as both stores hold them; a node's
    times are times."""
    for name in _TIMES:
        value = record.get(name)
        if value is not None and not isinstance(value, datetime.datetime):
            raise ArchiveError(
                f"node {uuid}: property {name!r} is {value!r:.80}, not a time (an archive "
                'writes times as {"$datetime": ISO text})'
            )
    for name, value in record.items():
        items = value if isinstance(value, list) else [value]
        if not all(item is None or isinstance(item, _SCALARS) for item in items):
            raise ArchiveError(
                f"node {uuid}: property {name!r} holds {type(value).__name__} {value!r:.80}; "
                "a property is a text, number, boolean, time or a list of them"
            )


def _kind(node: Node) -> str:
    if isinstance(node, CalculationNode):
        return "calculation"
    if isinstance(node, WorkflowNode):
        return "workflow"
    return "data" if isinstance(node, Data) else "other"


def _check_links(
    backend: Backend, reader: ArchiveReader, present: dict[str, bool], kinds: dict[str, str]
) -> None:
    """Both ends of each link are in the archive, of the kinds the link rules allow, and
    a data node keeps one creator."""
    creators: dict[str, str] = {}
    for page in pages(reader.records("links")):
        created = []
        for link in page:
            source, target, kind = link.get("source"), link.get("target"), link.get("type")
            if (
                kind not in LINK_RULES
                or not isinstance(link.get("label"), str)
                or not isinstance(source, str)
                or not isinstance(target, str)
            ):
                raise ArchiveError(
                    f"{reader.path}: a link that is not a provenance link: {link!r:.200}"
                )
            for end in (source, target):
                if end not in present:
                    raise ArchiveError(
                        f"{reader.path}: a {kind} link names node {end}, which it lacks"
                    )
            sources, targets = LINK_RULES[kind]
            if kinds[source] != sources or kinds[target] not in targets:
                raise ArchiveError(
                    f"{reader.path}: a {kind} link from {kinds[source]} node {source} to "
                    f"{kinds[target]} node {target} breaks the link rules ({kind} goes from "
                    f"{sources} to {' or '.join(targets)})"
                )
            if kind == "CREATE":
                if creators.setdefault(target, source) != source:
                    raise ArchiveError(
                        f"{reader.path}: node {target} has two creators ({creators[target]} "
                        f"and {source}); a node is created once"
                    )
                if present[target]:
                    created.append(target)
        if created:
            rows = read_rows(backend, "archive.creators", uuids=created)
            for row in rows:
                if row["creator"] != creators[row["uuid"]]:
                    raise ArchiveError(
                        f"node {row['uuid']} was created here by {row['creator']}, but by "
                        f"{creators[row['uuid']]} in {reader.path}: a node is created once, "
                        "so the archive is not imported (nothing was written)"
                    )


def _write(
    backend: Backend,
    reader: ArchiveReader,
    present: dict[str, bool],
    report: Progress,
) -> dict[str, int]:
    counts = dict.fromkeys(("nodes", "links", "logs", "groups", "files"), 0)
    for key in reader.files():
        if not backend.repository.has(key):
            with reader.open_file(key) as handle:
                stored = backend.repository.put_stream(handle, source=f"{reader.path}:{key}")
            if stored != key:  # changed since it was checked
                raise ArchiveError(
                    f"{reader.path}: the file {key} is damaged (its content is {stored})"
                )
            counts["files"] += 1
    to_write = sum(not here for here in present.values())
    fresh = iter(take_pks(backend, to_write))  # one reserve for the whole import
    pks: dict[str, int] = {}
    for page in pages(reader.records("nodes")):
        new = [record for record in page if not present[record["uuid"]]]
        if not new:
            continue
        batch = WriteBatch()
        for record in new:
            pk = next(fresh)
            cls = node_class(record["node_type"])
            if issubclass(cls, CalculationNode):
                # its outputs come from the archive, not from this profile's runs: no
                # cache source until a user who trusts the archive rehashes it
                record = {key: value for key, value in record.items() if key != "hash"}
            batch.create(cls.create_group, {**record, "pk": pk})
            pks[record["uuid"]] = pk
        write_batch(backend, batch)
        counts["nodes"] += len(new)
        report("nodes", counts["nodes"], to_write)
    read_links = 0
    for page in pages(reader.records("links")):
        # only a link between two nodes the profile had before can exist already
        old = [link for link in page if present[link["source"]] and present[link["target"]]]
        found = read_rows(backend, "archive.existing_links", links=old) if old else []
        have = {(r["source"], r["target"], r["type"], r["label"]) for r in found}
        batch = WriteBatch()
        for link in page:
            if (link["source"], link["target"], link["type"], link["label"]) not in have:
                batch.link(link["type"], link["source"], link["target"], link["label"])
        if batch:
            write_batch(backend, batch)
        counts["links"] += len(page) - len(have)
        read_links += len(page)
        report("links", read_links, reader.counts.get("links"))
    for page in pages(reader.records("logs")):
        found = read_rows(backend, "archive.existing_logs", uuids=[r["uuid"] for r in page])
        have = {row["uuid"] for row in found}
        new = [record for record in page if record["uuid"] not in have]
        known = _pks(backend, [r["process_uuid"] for r in new if r["process_uuid"] not in pks])
        batch = WriteBatch()
        for record in new:
            process = record["process_uuid"]
            batch.add_log({**record, "process_pk": pks.get(process, known.get(process))})
        if batch:
            write_batch(backend, batch)
        counts["logs"] += len(new)
    for record in reader.records("groups"):
        counts["groups"] += _import_group(backend, record)
    return counts


def _pks(backend: Backend, uuids: list[str]) -> dict[str, int]:
    if not uuids:
        return {}
    rows = read_rows(backend, "archive.nodes", uuids=sorted(set(uuids)))
    return {row["props"]["uuid"]: row["props"]["pk"] for row in rows}


def _import_group(backend: Backend, record: dict[str, Any]) -> int:
    """Create the group unless this profile has one of that label and type; add its
    nodes. 1 if it was created."""
    label, type_string = record.get("label"), record.get("type_string") or "core"
    if not isinstance(label, str) or not label:
        raise ArchiveError(f"a group without a label: {record!r:.200}")
    key = f"{type_string}:{label}"
    created = 0
    if not read_rows(backend, "orm.get_group", key=key):
        props = {
            "uuid": record.get("uuid"),
            "key": key,
            "label": label,
            "type_string": type_string,
            "description": record.get("description") or "",
            "ctime": record.get("ctime"),
        }
        write_statement(backend, "orm.create_group", props=props)
        created = 1
    for page in pages(record.get("nodes") or []):
        write_statement(backend, "orm.add_to_group", key=key, uuids=page)
    return created
