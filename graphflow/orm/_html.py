"""HTML cards for nodes in notebooks: what a node is, its content, and its links.

A data card shows type, pk, uuid, label, the value (or attributes) and the process that
created it; a process card shows the state, exit status and message, and the inputs and
outputs by link label. Links are read with one store query per direction through
graphflow's loop thread, which is how every synchronous graphflow call behaves in a
notebook (Jupyter's own loop waits, like for any other cell code). Where that cannot
happen (on graphflow's loop itself, or with the store unreachable) the card is drawn
without links and says why, instead of raising from a display hook.
"""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any, Final

from graphflow.orm._backend import get_backend
from graphflow.orm._load import alinks
from graphflow.orm._nodes import use_html_card
from graphflow.orm._process import ProcessNode

if TYPE_CHECKING:
    from graphflow.orm._nodes import Node

__all__ = ["node_html"]

#: links shown per direction before "and N more"
MAX_LINKS: Final = 20
#: characters of a value or attribute shown before it is cut
MAX_TEXT: Final = 300
_STATE_COLOURS: Final = {
    "created": "#2a7ab0",
    "waiting": "#b08a00",
    "running": "#2a55b0",
    "finished": "#2e7d32",
    "excepted": "#c0001a",
    "killed": "#8e24aa",
}
_VERBS: Final = {"CREATE": "created", "RETURN": "returned"}
_STYLE: Final = (
    "font-family: sans-serif; font-size: 13px; border: 1px solid #ccc; border-radius: 6px; "
    "padding: 6px 10px; display: inline-block; max-width: 60em"
)


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    return html.escape(text)


def _row(key: str, value: str) -> str:
    return (
        f'<tr><th style="text-align: left; padding-right: 1em; vertical-align: top">{key}</th>'
        f'<td style="text-align: left">{value}</td></tr>'
    )


def _links(node: Node) -> tuple[list[tuple[str, str, Node]], list[tuple[str, str, Node]], str]:
    """Incoming and outgoing links worth showing, or a reason why they are not shown."""
    from graphflow import _loop
    from graphflow.errors import GraphflowError

    if not node.is_stored:
        return [], [], "not stored yet"
    if _loop.in_loop_thread():
        return [], [], "links not loaded (shown from graphflow's event loop)"
    is_process = isinstance(node, ProcessNode)

    async def load() -> tuple[list[tuple[str, str, Node]], list[tuple[str, str, Node]]]:
        backend = await get_backend()
        incoming = await alinks(
            backend, node, ["INPUT"] if is_process else ["CREATE", "RETURN"], incoming=True
        )
        outgoing = (
            await alinks(backend, node, ["CREATE", "RETURN"], incoming=False) if is_process else []
        )
        return incoming, outgoing

    try:
        incoming, outgoing = _loop.call(load(), timeout=30)
    except (GraphflowError, TimeoutError) as exc:
        return [], [], f"links not loaded: {exc}"
    return incoming, outgoing, ""


def _summary(other: Node) -> str:

    if isinstance(other, ProcessNode):
        return f"{other.process_label} ({other.type_label}, pk {other.pk})"
    value = getattr(other, "value", None)
    shown = f" = {_text(value)}" if value is not None and not callable(value) else ""
    return f"{other.type_label}{shown} (pk {other.pk})"


def _link_rows(title: str, links: list[tuple[str, str, Node]], *, by_label: bool) -> str:
    if not links:
        return ""
    items = []
    ordered = sorted(links, key=lambda k: k[1]) if by_label else links
    for link_type, label, other in ordered[:MAX_LINKS]:
        what = html.escape(_summary(other))
        name = f"<code>{html.escape(label)}</code>"
        verb = _VERBS.get(link_type, link_type.lower())
        items.append(f"{name}: {what}" if by_label else f"{verb} as {name} by {what}")
    if len(links) > MAX_LINKS:
        items.append(f"… and {len(links) - MAX_LINKS} more")
    return _row(title, "<br>".join(items))


def node_html(node: Node) -> str:
    """A compact HTML card for ``node`` (its ``_repr_html_``)."""

    rows = [
        _row("pk", str(node.pk) if node.pk is not None else "unstored"),
        _row("uuid", f"<code>{html.escape(node.uuid)}</code>"),
    ]
    if node.label:
        rows.append(_row("label", _text(node.label)))
    if node.description:
        rows.append(_row("description", _text(node.description)))
    if node.ctime is not None:
        rows.append(_row("created", html.escape(node.ctime.isoformat(timespec="seconds"))))
    if isinstance(node, ProcessNode):
        title = f"{html.escape(node.process_label)} <small>({node.type_label})</small>"
        state = node.process_state.value
        colour = _STATE_COLOURS.get(state, "#333")
        paused = " (paused)" if node.paused else ""
        rows.append(_row("state", f'<span style="color: {colour}">{state}{paused}</span>'))
        if node.exit_status is not None:
            rows.append(_row("exit status", str(node.exit_status)))
        if node.exit_message:
            rows.append(_row("exit message", _text(node.exit_message)))
    else:
        title = node.type_label
        value = getattr(node, "value", None)
        if value is not None and not callable(value):
            rows.append(_row("value", f"<code>{_text(value)}</code>"))
        else:
            for key, item in sorted(node.attributes.items()):
                rows.append(_row(html.escape(key), f"<code>{_text(item)}</code>"))
    incoming, outgoing, why = _links(node)
    if isinstance(node, ProcessNode):
        rows.append(_link_rows("inputs", incoming, by_label=True))
        rows.append(_link_rows("outputs", outgoing, by_label=True))
    else:
        rows.append(_link_rows("from", incoming, by_label=False))
    if why:
        rows.append(_row("links", f"<i>{html.escape(why)}</i>"))
    return (
        f'<div style="{_STYLE}"><b>{title}</b>'
        f'<table style="margin-top: 4px">{"".join(rows)}</table></div>'
    )


use_html_card(node_html)
