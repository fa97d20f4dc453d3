"""Groups: named collections of nodes, as AiiDA's ``Group``, beside the provenance graph.

A group is a ``:Group`` node (no ``:Node`` label, so provenance queries never see it)
with a ``CONTAINS`` relationship to each member: ``MATCH (:Group {label: $g})-[:CONTAINS]->(n)``
in Cypher. Its label is unique per ``type_string`` (``core`` unless given). Adding or
removing nodes changes only memberships, never the nodes; deleting a group keeps its nodes.
"""

from __future__ import annotations

import datetime
import uuid as uuid_module
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphflow import _loop
from graphflow.errors import NotExistentError, ValidationError
from graphflow.orm._backend import create_unique, get_backend
from graphflow.orm._load import node_from_record
from graphflow.orm._nodes import Node, _as_utc
from graphflow.store import query

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["Group", "aload_group", "copy_group", "delete_group", "list_groups", "load_group"]

#: the most nodes ``Group.nodes`` returns
NODES_LIMIT = 1_000_000


@dataclass
class Group:
    """A named collection of stored nodes: ``Group(label="done").store()``."""

    label: str
    description: str = ""
    type_string: str = "core"
    uuid: str = field(default_factory=lambda: str(uuid_module.uuid4()))
    ctime: datetime.datetime | None = None
    _stored: bool = field(default=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("label", "type_string"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(f"a group's {name} must be a non-empty string, not {value!r}")
        if not isinstance(self.description, str):
            raise ValidationError(f"group {self.label!r}: description must be a string")

    @property
    def key(self) -> str:
        return f"{self.type_string}:{self.label}"

    @property
    def is_stored(self) -> bool:
        return self._stored

    def store(self) -> Group:
        """Create the group; one with the same label and type is an error."""
        self.ctime = self.ctime or datetime.datetime.now(datetime.UTC)
        props = {
            "uuid": self.uuid,
            "key": self.key,
            "label": self.label,
            "type_string": self.type_string,
            "description": self.description,
            "ctime": self.ctime,
        }

        create_unique(
            "orm.create_group",
            props,
            "orm.get_group",
            {"key": self.key},
            ValidationError(
                f"a group labelled {self.label!r} (type {self.type_string!r}) already exists"
            ),
        )
        self._stored = True
        return self

    def _check_stored(self, what: str) -> None:
        if not self._stored:
            raise ValidationError(f"group {self.label!r} is not stored: store() it before {what}")

    def add_nodes(self, nodes: Node | Iterable[Node]) -> None:
        """Add stored nodes (a node already in the group stays there once)."""
        uuids = self._uuids(nodes, "adding nodes")
        if uuids:
            self._write("orm.add_to_group", uuids)

    def remove_nodes(self, nodes: Node | Iterable[Node]) -> None:
        """Take nodes out of the group (the nodes themselves stay)."""
        uuids = self._uuids(nodes, "removing nodes")
        if uuids:
            self._write("orm.remove_from_group", uuids)

    def _uuids(self, nodes: Node | Iterable[Node], what: str) -> list[str]:
        self._check_stored(what)
        given = [nodes] if isinstance(nodes, Node) else list(nodes)
        for node in given:
            if not isinstance(node, Node):
                raise TypeError(f"group {self.label!r}: {node!r} is not a node")
            if not node.is_stored:
                raise ValidationError(
                    f"group {self.label!r}: {node!r} is not stored; only stored nodes are in groups"
                )
        return [node.uuid for node in given]

    def _write(self, name: str, uuids: list[str]) -> None:
        async def write() -> None:
            backend = await get_backend()
            await backend.store.write(query(name), key=self.key, uuids=uuids)

        _loop.call(write())

    @property
    def nodes(self) -> list[Node]:
        """The group's nodes, by pk."""
        self._check_stored("reading its nodes")

        async def read() -> list[Node]:
            backend = await get_backend()
            rows = await backend.store.read(
                query("orm.group_nodes"), key=self.key, limit=NODES_LIMIT
            )
            return [node_from_record(row["node"]) for row in rows]

        return _loop.call(read())

    def count(self) -> int:
        """How many nodes the group holds."""
        self._check_stored("counting its nodes")

        async def read() -> int:
            backend = await get_backend()
            rows = await backend.store.read(query("orm.get_group"), key=self.key)
            return int(rows[0]["count"]) if rows else 0

        return _loop.call(read())

    def __len__(self) -> int:
        return self.count()

    def __bool__(self) -> bool:
        return True  # a group is a group even when empty (and `if group:` reads nothing)

    def __iter__(self) -> Any:
        return iter(self.nodes)

    @property
    def is_empty(self) -> bool:
        return self.count() == 0

    @classmethod
    def _from_props(cls, props: dict[str, Any]) -> Group:
        group = cls(
            label=props["label"],
            description=props.get("description") or "",
            type_string=props.get("type_string") or "core",
            uuid=props["uuid"],
        )
        group.ctime = _as_utc(props.get("ctime"))  # ArcadeDB hands back a naive one
        group._stored = True
        return group


async def aload_group(label: str, type_string: str = "core") -> Group:
    backend = await get_backend()
    rows = await backend.store.read(query("orm.get_group"), key=f"{type_string}:{label}")
    if not rows:
        raise NotExistentError(
            f"no group labelled {label!r} (type {type_string!r}); create one with "
            f"'graphflow group create {label}'"
        )
    return Group._from_props(dict(rows[0]["group"].items()))


def load_group(label: str, type_string: str = "core") -> Group:
    """The stored group labelled ``label``."""
    return _loop.call(aload_group(label, type_string))


def list_groups(type_string: str | None = "core") -> list[tuple[Group, int]]:
    """Every group (of ``type_string``; ``None``: of any type) with its node count."""

    async def read() -> list[tuple[Group, int]]:
        backend = await get_backend()
        rows = await backend.store.read(query("orm.list_groups"), type_string=type_string)
        return [(Group._from_props(dict(r["group"].items())), int(r["count"])) for r in rows]

    return _loop.call(read())


def delete_group(label: str, type_string: str = "core") -> None:
    """Delete the group (its nodes stay); an unknown label is an error."""

    async def delete() -> None:
        backend = await get_backend()
        rows = await backend.store.write(query("orm.delete_group"), key=f"{type_string}:{label}")
        if not rows or not rows[0]["deleted"]:
            raise NotExistentError(f"no group labelled {label!r} (type {type_string!r})")

    _loop.call(delete())


def copy_group(source: str, target: str, type_string: str = "core") -> Group:
    """Put every node of group ``source`` in group ``target`` (made if it does not exist)."""
    original = load_group(source, type_string)
    try:
        copy = load_group(target, type_string)
    except NotExistentError:
        copy = Group(
            label=target, description=original.description, type_string=type_string
        ).store()

    async def write() -> None:
        backend = await get_backend()
        await backend.store.write(query("orm.copy_group"), source=original.key, target=copy.key)

    _loop.call(write())
    return copy
