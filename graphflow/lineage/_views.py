"""Rich views of provenance: a node, its links, a process state, a call tree.

Shared by ``graphflow node show``/``process status|list`` and the shell's
``:show``/``:tree``/``:ps``.
Values are :class:`~rich.text.Text`, never markup, because a user's labels and values
may hold square brackets.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from graphflow._terminal import printable
from graphflow.orm import CalcJobNode, Node, ProcessNode

if TYPE_CHECKING:
    import datetime

    from graphflow.engine import CallTree

__all__ = [
    "STATE_STYLE",
    "call_tree_view",
    "duration",
    "links_table",
    "node_table",
    "process_line",
    "process_table",
    "state_text",
]

STATE_STYLE = {
    "created": "cyan",
    "waiting": "yellow",
    "running": "blue",
    "finished": "green",
    "excepted": "red",
    "killed": "magenta",
}


def state_text(node: ProcessNode, *, exit_status: bool = True) -> Text:
    """``finished``, ``waiting (paused)``, ``waiting (parked)``, ``finished [404]``
    (without ``exit_status``, where a column of its own shows it), coloured by state."""
    state = node.process_state.value
    text = Text(state, style=STATE_STYLE.get(state, ""))
    if node.paused:
        text.append(" (paused)", style="yellow")
    if node.parked_on:  # no worker holds it: the end of its last child queues it again
        text.append(" (parked)", style="dim")
    if exit_status and node.exit_status not in (None, 0):
        text.append(f" [{node.exit_status}]", style="red")
    return text


def process_line(node: ProcessNode, *, now: datetime.datetime | None = None) -> Text:
    """``AddWorkChain <12> finished``: a process in one line; given ``now``, with the
    time it has run (until now, or until it ended)."""
    line = Text(f"{printable(node.process_label)} <{node.pk}> ").append_text(state_text(node))
    if now is not None and node.ctime is not None:
        end = node.mtime if node.is_terminated and node.mtime is not None else now
        seconds = max(0.0, (end - node.ctime).total_seconds())
        line.append(f" {duration(seconds)}", style="dim")
    return line


def duration(seconds: float) -> str:
    """``4.2 s``, ``3 min 07 s``, ``2 h 05 min``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def process_table(nodes: list[ProcessNode]) -> Table:
    """Processes one a row: pk, process, state, exit status, creation time (local)."""
    table = Table("pk", "process", "state", "exit", "created", box=None)
    for node in nodes:
        created = node.ctime.astimezone().strftime("%Y-%m-%d %H:%M:%S") if node.ctime else ""
        exit_status = "" if node.exit_status is None else str(node.exit_status)
        table.add_row(
            str(node.pk),
            Text(printable(node.process_label)),
            state_text(node, exit_status=False),
            exit_status,
            created,
        )
    return table


def node_table(node: Node) -> Table:
    """The properties, attributes and extras of one node."""
    table = Table(
        show_header=False, box=None, title=f"{node.type_label} {node.pk}", title_justify="left"
    )
    rows: list[tuple[str, Any]] = [
        ("type", node.type_label),
        ("pk", node.pk),
        ("uuid", node.uuid),
        ("label", node.label),
        ("description", node.description),
        ("ctime", node.ctime.isoformat(timespec="seconds") if node.ctime else ""),
        ("mtime", node.mtime.isoformat(timespec="seconds") if node.mtime else ""),
    ]
    if isinstance(node, ProcessNode):
        rows += [
            ("process", node.process_label),
            ("state", state_text(node)),
            ("exit status", node.exit_status),
            ("exit message", node.exit_message),
        ]
        if node.parked_on:
            count = len(node.parked_on)
            rows.append(
                (
                    "parked",
                    f"in the store, not in a worker, until its {count} awaited "
                    f"{'child ends' if count == 1 else 'children end'}",
                )
            )
        if isinstance(node, CalcJobNode):
            rows += [
                ("computer", node.computer_label),
                ("remote workdir", node.remote_workdir),
                ("job id", node.job_id),
                ("scheduler state", node.scheduler_state),
                ("job exit code", node.job_exit_code),
            ]
    else:
        value = getattr(node, "value", None)
        if value is not None and not callable(value):
            rows.append(("value", value))
    source = node.get_cache_source()
    rows += [
        ("cached from", f"{source} (its results were copied, not computed)" if source else None),
        ("valid cache", None if node.is_valid_cache else "no: never copied from"),
        ("hash", node.get_hash() if not isinstance(node, ProcessNode) or node._hash else None),
    ]
    rows += [(f"attributes.{k}", json.dumps(v)) for k, v in sorted(node.attributes.items())]
    rows += [(f"extras.{k}", json.dumps(v)) for k, v in sorted(node.extras.items())]
    for key, value in rows:
        if key == "attributes.value" or value in (None, ""):
            continue
        table.add_row(
            Text(printable(key), style="bold"),
            value if isinstance(value, Text) else Text(printable(str(value))),
        )
    return table


def _summary(node: Node) -> Text:
    if isinstance(node, ProcessNode):
        text = Text(f"{node.type_label} {printable(node.process_label)} (")
        text.append_text(state_text(node))
        return text.append(")")
    value = getattr(node, "value", None)
    if value is not None and not callable(value):
        return Text(f"{node.type_label} {value!r}"[:60])
    return Text(node.type_label)


def links_table(title: str, links: list[tuple[str, str, Node]]) -> Table:
    """Links of one direction: type, label, and the node at the other end."""
    table = Table("link", "label", "node", "pk", title=title, title_justify="left", box=None)
    for link_type, label, other in links:
        table.add_row(link_type, Text(printable(label)), _summary(other), str(other.pk))
    return table


def call_tree_view(tree: CallTree, *, now: datetime.datetime | None = None) -> Tree:
    """A process and every process it called, with states and exit statuses (and, given
    ``now``, how long each has run)."""

    root = Tree(process_line(tree.node, now=now))

    def grow(parent: Tree, branch: CallTree) -> None:
        for child in branch.children:
            grow(parent.add(process_line(child.node, now=now)), child)

    grow(root, tree)
    return root
