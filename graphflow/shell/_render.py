"""Query results as text: rich tables, vertical records, JSON and CSV; server errors marked.

Values arrive as the driver gives them. Nodes and relationships are shown compactly —
the most specific label, the pk and the properties that say what the node is — because
a provenance node has a dozen bookkeeping properties nobody wants in a table cell.
"""

from __future__ import annotations

import csv
import datetime
import enum
import io
import json
from typing import TYPE_CHECKING, Any

import neo4j.graph
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from graphflow._terminal import printable
from graphflow.store import error_position, marks_its_own_position

if TYPE_CHECKING:
    from rich.console import RenderableType

    from graphflow.store import QueryResult

__all__ = [
    "OutputFormat",
    "cell_text",
    "format_error",
    "json_value",
    "render_result",
    "result_csv",
    "result_json",
    "summary_line",
]

#: labels every provenance node of a kind shares; the compact form shows the specific one
_GENERIC_LABELS = frozenset({"Node", "Data", "Process", "Calculation", "Workflow"})
_TEXT_LIMIT = 60


class OutputFormat(enum.Enum):
    """How results are printed (``:format``)."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def _short(text: str, limit: int = _TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _literal(value: Any) -> str:
    """A property value inside a compact node: strings quoted, the rest as cells."""
    if isinstance(value, str):
        return repr(_short(value, 40))
    return cell_text(value)


def _node_text(node: neo4j.graph.Node) -> str:
    labels = set(node.labels)
    props = dict(node.items())
    if "Node" in labels and "pk" in props:
        specific = sorted(labels - _GENERIC_LABELS) or sorted(labels)
        parts = [specific[0], f"pk={props['pk']}"]
        if "process_label" in props:
            parts.append(str(props["process_label"]))
            parts.append(str(props.get("process_state", "")))
            status = props.get("exit_status")
            if status not in (None, 0):
                parts.append(f"[{status}]")
        elif "value" in props:
            parts.append(f"value={_literal(props['value'])}")
        if props.get("label"):
            parts.append(f"label={_literal(props['label'])}")
        return "(" + " ".join(parts) + ")"
    shown = ", ".join(f"{key}: {_literal(props[key])}" for key in sorted(props)[:4])
    more = ", …" if len(props) > 4 else ""
    return "(:" + ":".join(sorted(labels)) + (" {" + shown + more + "}" if props else "") + ")"


def _end_pk(node: neo4j.graph.Node | None) -> str:
    pk = node.get("pk") if node is not None else None
    return "" if pk is None else str(pk)


def _relationship_text(rel: neo4j.graph.Relationship) -> str:
    label = rel.get("label")
    inner = f"[:{rel.type}" + (f" {label}" if label else "") + "]"
    source, target = _end_pk(rel.start_node), _end_pk(rel.end_node)
    if not (source or target):
        return inner  # the ends were not returned: their pks are unknown
    return f"({source})-{inner}->({target})"


def _path_text(path: neo4j.graph.Path) -> str:
    out = [f"({_end_pk(path.start_node)})"]
    current: neo4j.graph.Node | None = path.start_node
    for rel in path.relationships:
        label = rel.get("label")
        inner = rel.type + (f" {label}" if label else "")
        forward = current is None or rel.start_node is None or rel.start_node == current
        nxt = rel.end_node if forward else rel.start_node
        arrow = f"-[:{inner}]->" if forward else f"<-[:{inner}]-"
        out.append(f"{arrow}({_end_pk(nxt)})")
        current = nxt
    return "".join(out)


def cell_text(value: Any) -> str:
    """One value as compact text for a table cell or a CSV field."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, neo4j.graph.Node):
        return _node_text(value)
    if isinstance(value, neo4j.graph.Relationship):
        return _relationship_text(value)
    if isinstance(value, neo4j.graph.Path):
        return _path_text(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_literal(v)}" for k, v in value.items()) + "}"
    native = value.to_native() if hasattr(value, "to_native") else value
    if isinstance(native, (datetime.datetime, datetime.date, datetime.time)):
        return native.isoformat()
    return str(native)


def json_value(value: Any) -> Any:
    """A JSON-ready value; nodes and links take the shape ``graphflow.cypher`` gives."""
    if isinstance(value, neo4j.graph.Node):
        return {"labels": sorted(value.labels), **json_value(dict(value.items()))}
    if isinstance(value, neo4j.graph.Relationship):
        return {
            "type": value.type,
            **json_value(dict(value.items())),
            "source": value.start_node.get("uuid") if value.start_node else None,
            "target": value.end_node.get("uuid") if value.end_node else None,
        }
    if isinstance(value, neo4j.graph.Path):
        return [json_value(node) for node in value.nodes]
    if isinstance(value, (list, tuple)):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    native = value.to_native() if hasattr(value, "to_native") else value
    if isinstance(native, (datetime.datetime, datetime.date, datetime.time)):
        return native.isoformat()
    if isinstance(native, datetime.timedelta):
        return native.total_seconds()
    if isinstance(native, bytes):
        return native.hex()
    return str(native)


def _cell(value: Any) -> Text:
    if value is None:
        return Text("null", style="dim")
    return Text(printable(cell_text(value)))


def _table(result: QueryResult, rows: list[dict[str, Any]]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for key in result.keys:
        table.add_column(Text(printable(key)), overflow="fold")  # a column name is not markup
    for row in rows:
        table.add_row(*(_cell(row.get(key)) for key in result.keys))
    return table


def _vertical(result: QueryResult, rows: list[dict[str, Any]]) -> Group:
    parts: list[RenderableType] = []
    for number, row in enumerate(rows, start=1):
        parts.append(Text(f"─[ row {number} ]" + "─" * 20, style="bold"))
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for key in result.keys:
            grid.add_row(Text(key), _cell(row.get(key)))
        parts.append(grid)
    return Group(*parts)


def result_json(result: QueryResult, rows: list[dict[str, Any]] | None = None) -> str:
    """The rows as one JSON array of objects (keys in the result's column order)."""
    chosen = result.rows if rows is None else rows
    items = [
        json.dumps({key: json_value(row.get(key)) for key in result.keys}, ensure_ascii=False)
        for row in chosen
    ]
    if not items:
        return "[]"
    return "[\n  " + ",\n  ".join(items) + "\n]"


def result_csv(result: QueryResult, rows: list[dict[str, Any]] | None = None) -> str:
    """The rows as CSV with a header line; structured values as compact text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(result.keys)
    for row in result.rows if rows is None else rows:
        writer.writerow([_csv_field(row.get(key)) for key in result.keys])
    return buffer.getvalue().rstrip("\n")


def _csv_field(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(json_value(value), ensure_ascii=False)
    return cell_text(value)


def render_result(
    result: QueryResult, fmt: OutputFormat, *, vertical: bool, limit: int
) -> RenderableType:
    """The rows (at most ``limit``; 0 means all) in the chosen format."""
    rows = result.rows if limit <= 0 else result.rows[:limit]
    if fmt is OutputFormat.JSON:
        return _raw(result_json(result, rows))
    if fmt is OutputFormat.CSV:
        return _raw(result_csv(result, rows))
    if not result.keys:
        return Text("")
    return _vertical(result, rows) if vertical else _table(result, rows)


def _raw(text: str) -> Text:
    """Text printed as it is: machine-readable output must never be wrapped or cut."""
    return Text(text, no_wrap=True, overflow="ignore")


def summary_line(count: int, *, limit: int, elapsed: float | None) -> Text:
    """``3 rows in 12 ms``, saying when rows were cut by the row limit."""
    noun = "row" if count == 1 else "rows"
    text = f"{count:,} {noun}"
    if 0 < limit < count:
        text += f", showing the first {limit:,} (:limit N to change)"
    if elapsed is not None:
        text += f" in {elapsed * 1000:,.0f} ms"
    return Text(text, style="yellow" if 0 < limit < count else "dim")


def format_error(message: str, statement: str) -> Text:
    """The server's message, and the statement's line with the position marked by ``^``."""
    text = Text(message, style="red")
    position = None if marks_its_own_position(message) else error_position(message)
    if position is None:
        return text
    line_number, column = position
    lines = statement.split("\n")
    if not 1 <= line_number <= len(lines):
        return text
    line = lines[line_number - 1]
    column = max(0, min(column, len(line)))
    text.append("\n  " + line, style="")
    text.append("\n  " + " " * column + "^", style="bold red")
    return text
