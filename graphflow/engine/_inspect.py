"""Reading processes back: listings, log records and call trees (one query each)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphflow.orm import Backend, ProcessNode, node_from_record
from graphflow.store import query
from graphflow.types import ProcessState

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["CallTree", "LogRecord", "acall_tree", "alist_processes", "alogs"]

ACTIVE = (ProcessState.CREATED, ProcessState.WAITING, ProcessState.RUNNING)


@dataclass(frozen=True, slots=True)
class LogRecord:
    time: datetime.datetime | None
    level: str
    message: str


@dataclass(slots=True)
class CallTree:
    """A process and the processes it called, recursively."""

    node: ProcessNode
    label: str = ""
    children: list[CallTree] = field(default_factory=list)

    def walk(self, depth: int = 0) -> list[tuple[int, CallTree]]:
        out = [(depth, self)]
        for child in self.children:
            out.extend(child.walk(depth + 1))
        return out


async def alist_processes(
    backend: Backend,
    *,
    states: Sequence[ProcessState] | None = None,
    past_days: int | None = None,
    limit: int = 100,
    exit_status: int | None = None,
    failed: bool = False,
    process_label: str | None = None,
    order_by: str = "ctime",
) -> list[ProcessNode]:
    """Processes in ``states`` (default: not terminated), newest (by ``order_by``: ctime or
    pk) first; optionally only those with ``exit_status``, a non-zero one (``failed``), or
    ``process_label``."""
    wanted = [s.value for s in (states or ACTIVE)]
    since = None
    if past_days is not None:
        since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=past_days)
    rows = await backend.store.read(
        query("engine.list_processes"),
        states=wanted,
        since=since,
        limit=limit,
        exit_status=exit_status,
        failed=failed,
        label=process_label,
        by_pk=order_by == "pk",
    )
    nodes = [node_from_record(row["node"]) for row in rows]
    return [n for n in nodes if isinstance(n, ProcessNode)]


def _native_time(value: Any) -> datetime.datetime | None:
    native = value.to_native() if hasattr(value, "to_native") else value
    if isinstance(native, datetime.datetime):
        return native if native.tzinfo else native.replace(tzinfo=datetime.UTC)
    return None


async def alogs(backend: Backend, node: ProcessNode) -> list[LogRecord]:
    """The process's log records (reports, tracebacks), in order."""
    rows = await backend.store.read(query("engine.get_logs"), uuid=node.uuid)
    return [LogRecord(_native_time(r["time"]), r["level"], r["message"]) for r in rows]


async def acall_tree(backend: Backend, node: ProcessNode) -> CallTree:
    """``node`` and every process it called, at any depth."""
    rows = await backend.store.read(query("engine.call_tree"), uuid=node.uuid)
    trees: dict[str, CallTree] = {node.uuid: CallTree(node)}
    edges: list[tuple[str, str]] = []
    for row in rows:
        child = node_from_record(row["node"])
        if isinstance(child, ProcessNode):
            trees[child.uuid] = CallTree(child, row["label"])
            edges.append((row["caller"], child.uuid))
    for caller, child_uuid in edges:
        if caller in trees:
            trees[caller].children.append(trees[child_uuid])
    for tree in trees.values():
        tree.children.sort(key=lambda t: t.node.pk or 0)
    return trees[node.uuid]
