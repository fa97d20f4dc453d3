"""The provenance node: identity, attributes that freeze when stored, extras that do not.

Every node written to the graph has ``:Node``, ``uuid``, ``pk``, ``ctime``, ``mtime``,
``label``, ``description``, ``node_type`` (the entry point of its class, used to load it
back) and ``attributes``/``extras`` as canonical JSON text, which is what is read back.
For users' Cypher, extras are also properties ``extras__<key>`` (:mod:`graphflow.store.
_model` says which), and subclasses add their own native properties (``value`` of base
types, a Dict's entries, the state of process nodes) through
:meth:`Node._native_properties`.

Storing goes through the profile's write path (:mod:`graphflow.orm._session`): outside a
process step it commits and waits; inside one, the node joins the step's write and becomes
durable with the step.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import math
import uuid as uuid_module
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from graphflow.errors import ModificationNotAllowedError, NotStorableError, PluginError
from graphflow.orm._session import store_nodes, update_stored_node
from graphflow.orm._time import utc_now
from graphflow.orm._values import canonical_json, check_storable, load_json
from graphflow.plugins import load_entry_point
from graphflow.store import EXTRAS, entry_properties

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Self

__all__ = [
    "HASH_VERSION",
    "Node",
    "NodeCaching",
    "content_hash",
    "data_hash",
    "node_class",
    "register_node_class",
]

#: what a node's hash is made of changes with this number (a rehash makes old ones current)
HASH_VERSION = 1


def data_hash(node_type: str, attributes: Mapping[str, Any], value: Any = None) -> str:
    """A data node's hash: its type and attributes, and its exact value where JSON cannot
    hold it (a Float's NaN and infinities, whose attribute is null)."""
    content: dict[str, Any] = {"attributes": dict(attributes)}
    if isinstance(value, float) and not math.isfinite(value):
        content["value"] = repr(value)
    return content_hash(node_type, content)


def content_hash(node_type: str, content: Mapping[str, Any]) -> str:
    """The hash of what determines a node (caching): its type and ``content``, as canonical
    JSON, so equal content gives equal hashes in every interpreter."""
    text = canonical_json({"hash_version": HASH_VERSION, "node_type": node_type, **content})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


N = TypeVar("N", bound="Node")

_REGISTRY: dict[str, type[Node]] = {}


def register_node_class(cls: type[N]) -> type[N]:
    """Make ``cls`` loadable from the store by its ``node_type``."""
    _REGISTRY[cls.node_type] = cls
    return cls


def node_class(node_type: str) -> type[Node]:
    """The class for a stored ``node_type``; plugins are found by their entry point."""
    try:
        return _REGISTRY[node_type]
    except KeyError:
        pass
    cls = load_entry_point("graphflow.data", node_type)
    if not (isinstance(cls, type) and issubclass(cls, Node)):
        raise PluginError(f"entry point {node_type!r} in graphflow.data is not a Node class")
    _REGISTRY[node_type] = cls
    return cls


#: draws a node's notebook card (see Node._repr_html_)
_html_card: Callable[[Node], str] | None = None


def use_html_card(draw: Callable[[Node], str]) -> None:
    """Draw nodes' notebook cards with ``draw`` (called once, by graphflow.orm._html)."""
    global _html_card
    _html_card = draw


def class_for_labels(labels: set[str]) -> type[Node]:
    """The registered class whose label is the most specific of ``labels``."""
    best: type[Node] = _REGISTRY.get("core.data", Node)
    for cls in _REGISTRY.values():
        if cls.type_label in labels and len(cls.__mro__) > len(best.__mro__):
            best = cls
    return best


class Node:
    """A provenance node; compared by uuid unless a subclass compares values."""

    #: entry point name of the class (``core.int``); stored as ``node_type``
    node_type: ClassVar[str] = "core.node"
    #: the label combination new nodes of this class get (a group of store.write_batch)
    create_group: ClassVar[str] = "Data"
    #: the most specific graph label, for display
    type_label: ClassVar[str] = "Node"

    def __init__(self, *, label: str = "", description: str = "") -> None:
        self._uuid = str(uuid_module.uuid4())
        self._pk: int | None = None
        self._ctime: datetime.datetime | None = None
        self._mtime: datetime.datetime | None = None
        self._label = _check_text(label, "label", self)
        self._description = _check_text(description, "description", self)
        self._attributes: dict[str, Any] = {}
        self._extras: dict[str, Any] = {}
        self._stored = False
        self._init_caching()

    def _init_caching(self) -> None:
        #: the hash of what determines the node (see get_hash); fixed when it is stored
        self._hash: str | None = None
        #: False: never a caching source (None: the default, True)
        self._valid_cache: bool | None = None
        #: the uuid of the node this one was copied from by caching
        self._cached_from: str | None = None

    # --- identity -----------------------------------------------------------------------

    @property
    def uuid(self) -> str:
        return self._uuid

    @property
    def pk(self) -> int | None:
        """The profile-unique integer id; None until the node is stored."""
        return self._pk

    @property
    def ctime(self) -> datetime.datetime | None:
        return self._ctime

    @property
    def mtime(self) -> datetime.datetime | None:
        return self._mtime

    @property
    def is_stored(self) -> bool:
        return self._stored

    def _ident(self) -> str:
        """How errors name this node: its type and pk (or uuid while unstored)."""
        if self._pk is not None:
            return f"{self.type_label} node pk {self._pk}"
        return f"unstored {self.type_label} node {self._uuid[:8]}"

    # --- label, description, extras: changeable after storing ---------------------------

    @property
    def label(self) -> str:
        return self._label

    @label.setter
    def label(self, value: str) -> None:
        self._label = _check_text(value, "label", self)
        self._after_mutable_change({"label": self._label})

    @property
    def description(self) -> str:
        return self._description

    @description.setter
    def description(self, value: str) -> None:
        self._description = _check_text(value, "description", self)
        self._after_mutable_change({"description": self._description})

    @property
    def extras(self) -> dict[str, Any]:
        """A copy of the extras (user annotations that may change after storing)."""
        return dict(self._extras)

    def get_extra(self, key: str, default: Any = None) -> Any:
        return self._extras.get(key, default)

    def set_extra(self, key: str, value: Any) -> None:
        """Set one extra; on a stored node this is written at once."""
        checked = check_storable(value, f"extras.{key}", self._ident())
        self._replace_extras({**self._extras, key: checked}, key)

    def delete_extra(self, key: str) -> None:
        """Remove one extra; one that is not there is an ``AttributeError``, as in AiiDA."""
        if key not in self._extras:
            raise AttributeError(f"{self._ident()} has no extra {key!r}")
        self._replace_extras({k: v for k, v in self._extras.items() if k != key}, key)

    def _replace_extras(self, extras: dict[str, Any], key: str) -> None:
        """Write ``extras``, which differ from the node's in ``key``, with the properties
        that stand for that key before and after (store._model); the node keeps them only
        once written, so a value the store refuses leaves it as it was."""
        stale = entry_properties({key: self._extras[key]}, EXTRAS) if key in self._extras else {}
        fresh = entry_properties({key: extras[key]}, EXTRAS) if key in extras else {}
        self._after_mutable_change(
            {**dict.fromkeys(stale), **fresh, "extras": canonical_json(extras)}
        )
        self._extras = extras

    def _after_mutable_change(self, props: dict[str, Any]) -> None:
        if self._stored:
            self._mtime = utc_now()
            update_stored_node(self, {**props, "mtime": self._mtime})

    # --- caching (AiiDA's node.base.caching) --------------------------------------------

    @property
    def base(self) -> NodeBase:
        """AiiDA 2.x's namespace of node features (``node.base.caching``)."""
        return NodeBase(self)

    def get_hash(self) -> str | None:
        """The hash of what determines this node: a data node's type and content, a
        calculation's class, attributes and inputs' hashes; None for workflows."""
        return self._hash if self._hash is not None else self._compute_hash()

    def _compute_hash(self) -> str | None:
        return None

    def _hash_at_creation(self) -> str | None:
        """The hash written with the node: its content's, which is final once stored."""
        return self._compute_hash()

    def rehash(self) -> str | None:
        """Compute the hash again (after its rules changed) and write it; the new hash."""
        fresh = self._compute_hash()
        if fresh != self._hash:
            self._hash = fresh
            self._after_mutable_change({"hash": fresh})
        return fresh

    @property
    def is_valid_cache(self) -> bool:
        """Whether caching may copy this node's results (set False to stop it)."""
        return self._valid_cache is not False

    @is_valid_cache.setter
    def is_valid_cache(self, valid: bool) -> None:
        self._mark_valid_cache(valid)

    def _mark_valid_cache(self, valid: bool) -> None:
        if not isinstance(valid, bool):
            raise TypeError(f"{self._ident()}: is_valid_cache must be True or False, not {valid!r}")
        self._valid_cache = valid
        self._after_mutable_change({"is_valid_cache": valid})

    def get_cache_source(self) -> str | None:
        """The uuid of the node this one's results were copied from by caching, if any."""
        return self._cached_from

    @property
    def is_created_from_cache(self) -> bool:
        return self._cached_from is not None

    # --- attributes: frozen once stored -------------------------------------------------

    @property
    def attributes(self) -> dict[str, Any]:
        """A copy of the attributes (the node's content; immutable once stored)."""
        return dict(self._attributes)

    def _set_attribute(self, key: str, value: Any) -> None:
        if self._stored:
            raise ModificationNotAllowedError(
                f"{self._ident()}: attribute {key!r} cannot change because the node is "
                "stored (stored nodes are immutable; use extras for annotations)"
            )
        self._attributes[key] = check_storable(value, key, self._ident())

    # --- storing ------------------------------------------------------------------------

    def store(self) -> Self:
        """Store the node (once; later calls do nothing) and return it."""
        if not self._stored:
            store_nodes([self])
        return self

    def _validate_before_store(self) -> None:
        """Raise if the node is not complete enough to store (subclasses add checks)."""

    def _native_properties(self) -> dict[str, Any]:
        """Properties besides the common ones, kept natively so Cypher can filter on them."""
        return {}

    def _mark_stored(self, pk: int, now: datetime.datetime) -> None:
        self._pk = pk
        self._ctime = self._ctime or now
        self._mtime = now
        self._stored = True

    def _row(self) -> dict[str, Any]:
        """The node's properties for its creation query (after ``_mark_stored``)."""
        if self._hash is None:
            self._hash = self._hash_at_creation()
        caching: dict[str, Any] = {"hash": self._hash}
        if self._valid_cache is not None:
            caching["is_valid_cache"] = self._valid_cache
        if self._cached_from is not None:
            caching["cached_from"] = self._cached_from
        return {
            "uuid": self._uuid,
            "pk": self._pk,
            "ctime": self._ctime,
            "mtime": self._mtime,
            "label": self._label,
            "description": self._description,
            "node_type": self.node_type,
            "attributes": canonical_json(self._attributes),
            "extras": canonical_json(self._extras),
            **entry_properties(self._extras, EXTRAS),
            **self._native_properties(),
            **caching,
        }

    @classmethod
    def _from_properties(cls, props: Mapping[str, Any]) -> Self:
        """Rebuild a stored node from its graph properties, without ``__init__``."""
        node = cls.__new__(cls)
        node._uuid = props["uuid"]
        node._pk = props.get("pk")
        node._ctime = _as_utc(props.get("ctime"))
        node._mtime = _as_utc(props.get("mtime"))
        node._label = props.get("label") or ""
        node._description = props.get("description") or ""
        node._attributes = load_json(props.get("attributes"), f"node {node._uuid} attributes")
        node._extras = load_json(props.get("extras"), f"node {node._uuid} extras")
        node._stored = True
        node._hash = props.get("hash")
        node._valid_cache = props.get("is_valid_cache")
        node._cached_from = props.get("cached_from")
        node._restore(props)
        return node

    def _restore(self, props: Mapping[str, Any]) -> None:
        """Subclass hook: rebuild in-memory state from stored properties."""

    # --- Python protocol ----------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Node) and type(other).__eq__ is Node.__eq__:
            return self._uuid == other._uuid
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._uuid)

    def _repr_html_(self) -> str:
        """The node in a Jupyter notebook: a compact card (drawn by :mod:`graphflow.orm._html`,
        which reads the node's links and so registers itself: it imports this module)."""
        if _html_card is None:
            return f"<code>{html.escape(repr(self))}</code>"
        return _html_card(self)

    def __repr__(self) -> str:
        pk = f"pk={self._pk}" if self._pk is not None else "unstored"
        return f"<{type(self).__name__}: {pk} uuid={self._uuid[:8]}{self._repr_extra()}>"

    def _repr_extra(self) -> str:
        return ""


class NodeBase:
    """``node.base``: AiiDA 2.x groups node features under it; graphflow has ``caching``."""

    def __init__(self, node: Node) -> None:
        self.caching = NodeCaching(node)


class NodeCaching:
    """``node.base.caching``, as in AiiDA 2.x (the same as the node's own methods)."""

    def __init__(self, node: Node) -> None:
        self._node = node

    def get_hash(self) -> str | None:
        return self._node.get_hash()

    def rehash(self) -> str | None:
        return self._node.rehash()

    @property
    def is_valid_cache(self) -> bool:
        return self._node.is_valid_cache

    @is_valid_cache.setter
    def is_valid_cache(self, valid: bool) -> None:
        self._node.is_valid_cache = valid

    def get_cache_source(self) -> str | None:
        return self._node.get_cache_source()

    @property
    def is_created_from_cache(self) -> bool:
        return self._node.is_created_from_cache


def _check_text(value: Any, what: str, node: Node | None) -> str:
    if not isinstance(value, str):
        owner = node._ident() if node is not None and hasattr(node, "_uuid") else "node"
        raise NotStorableError(f"{owner}: {what} must be a string, got {type(value).__name__}")
    return value


def _as_utc(value: Any) -> datetime.datetime | None:
    """Driver datetimes (``neo4j.time.DateTime``) as aware Python datetimes in UTC."""
    if value is None:
        return None
    native = value.to_native() if hasattr(value, "to_native") else value
    if not isinstance(native, datetime.datetime):
        return None
    if native.tzinfo is None:
        return native.replace(tzinfo=datetime.UTC)
    return native.astimezone(datetime.UTC)
