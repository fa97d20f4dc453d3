"""Machine-readable output of the CLI: ``--format json|csv|table`` (``--json``), stable keys.

Every verb that prints a table builds plain data first (dicts of JSON values, the keys
listed in the README) and prints it as the user asked: a rich table by default, JSON (one
document on stdout) or CSV (flat rows). A failing command asked for JSON prints its error
as JSON on stdout too, ``{"error": {"type": ..., "message": ...}}``, with exit status 1
(see ``_root.main``).
"""

from __future__ import annotations

import csv
import datetime
import itertools
import json
import sys
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from graphflow.engine import CallTree
    from graphflow.orm import Node

__all__ = [
    "FORMATS",
    "call_tree_json",
    "chosen",
    "code_json",
    "computer_json",
    "emit",
    "format_option",
    "json_wanted",
    "link_json",
    "node_json",
]

FORMATS = ("table", "json", "csv")


def format_option(*, csv_ok: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--format`` (``table``, ``json``, and ``csv`` where rows are flat) and ``--json``."""
    choices = FORMATS if csv_ok else ("table", "json")

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option(
            "--json", "as_json", is_flag=True, help="Print JSON (same as --format json)."
        )(command)
        return click.option(
            "--format",
            "output_format",
            type=click.Choice(choices),
            default="table",
            show_default=True,
            help="How to print the result.",
        )(command)

    return decorate


def chosen(output_format: str, as_json: bool) -> str:
    if as_json and output_format not in ("table", "json"):
        raise click.UsageError(f"--json and --format {output_format} ask for different formats")
    return "json" if as_json else output_format


def json_wanted(argv: Sequence[str]) -> bool:
    """Whether the command line asked for JSON (its errors are then JSON too)."""
    args = list(argv)
    if "--json" in args or "--format=json" in args:
        return True
    return any(a == "--format" and b == "json" for a, b in itertools.pairwise(args))


def emit(
    fmt: str,
    data: Any,
    table: Callable[[], None],
    *,
    rows: Callable[[], list[dict[str, Any]]] | None = None,
) -> None:
    """Print ``data`` as JSON, ``rows()`` as CSV, or call ``table()`` to print for people."""
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, default=_json_default))
    elif fmt == "csv":
        flat = rows() if rows is not None else list(data)
        if flat:
            writer = csv.DictWriter(sys.stdout, fieldnames=list(flat[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows({k: _csv_value(v) for k, v in row.items()} for row in flat)
    else:
        table()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)


def _csv_value(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=_json_default)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return "" if value is None else value


def _time(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def node_json(node: Node, *, details: bool = False) -> dict[str, Any]:
    """A node's stable keys: pk, uuid, type, label, ctime, mtime; for a process also
    process_label, process_state, paused, exit_status, exit_message; for a job computer,
    job_id, remote_workdir; with ``details``, description, attributes, extras, hash,
    cached_from (the uuid of a caching source) and is_valid_cache."""
    from graphflow.orm import CalcJobNode, ProcessNode  # not at import: see cli._node

    data: dict[str, Any] = {
        "pk": node.pk,
        "uuid": node.uuid,
        "type": node.type_label,
        "label": node.label,
        "ctime": _time(node.ctime),
        "mtime": _time(node.mtime),
    }
    if isinstance(node, ProcessNode):
        data.update(
            process_label=node.process_label,
            process_state=node.process_state.value,
            paused=bool(node.paused),
            exit_status=node.exit_status,
            exit_message=node.exit_message,
        )
        if isinstance(node, CalcJobNode):
            data.update(
                computer=node.computer_label,
                job_id=node.job_id,
                remote_workdir=node.remote_workdir,
            )
    if details:
        data.update(
            description=node.description,
            attributes=node.attributes,
            extras=node.extras,
            hash=node._hash,
            cached_from=node.get_cache_source(),
            is_valid_cache=node.is_valid_cache,
        )
    return data


def link_json(link_type: str, label: str, other: Node) -> dict[str, Any]:
    """One link as seen from a node: its type, label and the node at the other end."""
    return {"link_type": link_type, "link_label": label, "node": node_json(other)}


def call_tree_json(tree: CallTree) -> dict[str, Any]:
    """A process and, under ``called``, every process it called (with the CALL label)."""
    data = node_json(tree.node)
    data["call_label"] = tree.label or None
    data["called"] = [call_tree_json(child) for child in tree.children]
    return data


def computer_json(computer: Any) -> dict[str, Any]:
    """A computer's stable keys (its SSH settings under ``transport_settings``)."""
    return {
        "label": computer.label,
        "uuid": computer.uuid,
        "description": computer.description,
        "hostname": computer.hostname,
        "transport": computer.transport,
        "scheduler": computer.scheduler,
        "workdir": computer.workdir,
        "mpirun_command": computer.mpirun_command,
        "mpiprocs_per_machine": computer.mpiprocs_per_machine,
        "safe_interval": computer.effective_safe_interval,
        "poll_interval": computer.effective_poll_interval,
        "prepend_text": computer.prepend_text,
        "append_text": computer.append_text,
        "configured": computer.is_configured,
        "transport_settings": dict(computer.transport_settings),
    }


def code_json(code: Any) -> dict[str, Any]:
    """A code's stable keys."""
    return {
        "pk": code.pk,
        "uuid": code.uuid,
        "label": code.label,
        "full_label": code.full_label,
        "computer": code.computer_label,
        "executable": code.executable,
        "default_calcjob": code.default_calcjob,
        "description": code.description,
        "prepend_text": code.attributes.get("prepend_text") or "",
        "append_text": code.attributes.get("append_text") or "",
    }
