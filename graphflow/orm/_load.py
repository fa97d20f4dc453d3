"""Loading stored nodes: by pk, uuid or unique uuid prefix, and along links."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from graphflow import _loop
from graphflow.errors import MultipleObjectsError, NotExistentError
from graphflow.orm._backend import Backend, get_backend
from graphflow.orm._nodes import Node, class_for_labels, node_class
from graphflow.orm._session import current_scope, see_earlier_writes
from graphflow.store import query

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "alinks",
    "aload_node",
    "aload_nodes",
    "incoming_nodes",
    "load_node",
    "node_from_record",
    "outgoing_nodes",
]

_UUID_PREFIX = re.compile(r"^[0-9a-f-]{4,36}$")


def node_from_record(value: Any) -> Node:
    """A Node object from a driver node (or a mapping of its properties)."""
    props: Mapping[str, Any] = dict(value.items()) if hasattr(value, "items") else value
    node_type = props.get("node_type")
    if isinstance(node_type, str):
        return node_class(node_type)._from_properties(props)
    # written by someone else's Cypher: the most specific label still says what it is
    labels = set(getattr(value, "labels", ()))
    return class_for_labels(labels)._from_properties(props)


async def aload_node(backend: Backend, identifier: int | str) -> Node:
    """The node with pk ``identifier`` (int) or uuid / unique uuid prefix (str)."""
    name, params = _lookup(identifier)
    return _the_node(identifier, params, await backend.store.read(query(name), **params))


def _lookup(identifier: int | str) -> tuple[str, dict[str, Any]]:
    """The named read that finds ``identifier``, and its parameters."""
    if isinstance(identifier, bool) or not isinstance(identifier, (int, str)):
        raise NotExistentError(
            f"{identifier!r} is not a node identifier: give a pk (int) or a uuid (str)"
        )
    if isinstance(identifier, int):
        if not -(2**63) <= identifier < 2**63:
            raise NotExistentError(
                f"no node with pk {identifier}: a pk is a 64-bit integer "
                f"({-(2**63)} to {2**63 - 1})"
            )
        return "orm.get_node_by_pk", {"pk": identifier}
    text = identifier.strip().lower()
    if not _UUID_PREFIX.match(text):
        raise NotExistentError(
            f"{identifier!r} is neither a uuid nor a uuid prefix of at least 4 hex digits"
        )
    if len(text) == 36:
        return "orm.get_node_by_uuid", {"uuid": text}
    return "orm.find_nodes_by_uuid_prefix", {"prefix": text}


def _the_node(identifier: int | str, params: dict[str, Any], rows: list[dict[str, Any]]) -> Node:
    """The one node ``rows`` hold, or the error that says why not."""
    if not rows:
        if "pk" in params:
            raise NotExistentError(f"no node with pk {identifier}")
        text = params.get("uuid", params.get("prefix"))
        raise NotExistentError(f"no node with a uuid starting with {text!r}")
    if len(rows) > 1:
        pks = ", ".join(str(row["node"].get("pk")) for row in rows)
        raise MultipleObjectsError(
            f"uuid prefix {params['prefix']!r} matches several nodes (pks {pks}); give more digits"
        )
    return node_from_record(rows[0]["node"])


async def aload_nodes(backend: Backend, uuids: Sequence[str]) -> dict[str, Node]:
    """Nodes by uuid, in one query; missing uuids are absent from the result."""
    if not uuids:
        return {}
    rows = await backend.store.read(query("orm.get_nodes_by_uuids"), uuids=list(uuids))
    return {row["node"]["uuid"]: node_from_record(row["node"]) for row in rows}


def load_node(identifier: int | str) -> Node:
    """Load a stored node by pk, uuid or unique uuid prefix. In a step, a node the step
    (or its process before it) stored is found too, even before it is durable."""
    scope = current_scope()
    if scope is not None:
        node = scope.stored_here(identifier)
        if node is not None:
            return node
        scope.wait_for_earlier()

    async def load() -> Node:
        return await aload_node(await get_backend(), identifier)

    return _loop.call(load())


async def alinks(
    backend: Backend, node: Node, link_types: Sequence[str], *, incoming: bool
) -> list[tuple[str, str, Node]]:
    """``(link type, label, other node)`` of every link of the given types, by pk."""
    name, params = _links_lookup(node, link_types, incoming)
    return _links(await backend.store.read(query(name), **params))


def incoming_nodes(node: Node, link_types: Sequence[str]) -> dict[str, Node]:
    """Nodes linked into ``node`` by the given link types, by link label."""
    return _by_label(_links_now(node, link_types, incoming=True))


def outgoing_links(node: Node, link_types: Sequence[str]) -> list[tuple[str, str, Node]]:
    """``(type, label, node)`` of the links from ``node``, in pk order of the other end."""
    return _links_now(node, link_types, incoming=False)


def outgoing_nodes(node: Node, link_types: Sequence[str]) -> dict[str, Node]:
    """Nodes ``node`` links to by the given link types, by link label."""
    return _by_label(_links_now(node, link_types, incoming=False))


def _links_now(
    node: Node, link_types: Sequence[str], *, incoming: bool
) -> list[tuple[str, str, Node]]:
    """:func:`alinks` for synchronous code."""
    see_earlier_writes()

    async def read() -> list[tuple[str, str, Node]]:
        return await alinks(await get_backend(), node, link_types, incoming=incoming)

    return _loop.call(read())


def _links_lookup(
    node: Node, link_types: Sequence[str], incoming: bool
) -> tuple[str, dict[str, Any]]:
    name = "orm.get_incoming" if incoming else "orm.get_outgoing"
    return name, {"uuid": node.uuid, "types": list(link_types)}


def _links(rows: list[dict[str, Any]]) -> list[tuple[str, str, Node]]:
    links = [(row["type"], row["label"], node_from_record(row["node"])) for row in rows]
    return sorted(links, key=lambda link: (link[2].pk or 0, link[1]))


def _by_label(links: list[tuple[str, str, Node]]) -> dict[str, Node]:
    return {label: other for _type, label, other in links}
