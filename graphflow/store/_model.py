"""A mapping's entries as node properties, so that Cypher can filter on them.

A ``Dict``'s content and every node's extras are kept whole as canonical JSON (what
graphflow reads back), and each entry that the stores can hold natively is also a
property of the node: ``MATCH (d:Dict) WHERE d.energy < -10`` and
``MATCH (n:Node) WHERE n.extras__tag = 'converged'`` work on both stores.

The naming scheme, in the README's graph model section:
- a Dict entry ``energy`` is the property ``energy``; an extra ``tag`` is ``extras__tag``;
- nested mappings are flattened with ``__``: ``{"cell": {"a": 5.4}}`` is ``cell__a``;
- only keys that are plain names (a letter, then letters, digits and single ``_``, not
  ending in ``_``) become properties, so that every name reads back to one key path and
  needs no back-quotes in Cypher; a Dict key that is one of the node's own property
  names (``uuid``, ``pk``, ``label`` ...) stays in the JSON only;
- values: booleans, 64-bit integers, finite floats, strings up to :data:`MAX_TEXT`
  characters, and non-empty lists of up to :data:`MAX_LIST` such values of one type.
  Anything else (``None``, mixed or empty lists, lists of mappings, larger values) stays
  in the JSON only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from graphflow.store._limits import INT64_MAX, INT64_MIN

__all__ = ["EXTRAS", "RESERVED", "SEPARATOR", "entry_properties"]

SEPARATOR = "__"
#: the namespace of extras' properties
EXTRAS = "extras"
#: properties every node has (or may get): a Dict key with one of these names stays JSON
RESERVED = frozenset(
    {
        "uuid",
        "pk",
        "ctime",
        "mtime",
        "label",
        "description",
        "node_type",
        "attributes",
        "extras",
        "value",
        "hash",
    }
)
MAX_TEXT = 4096
MAX_LIST = 1000

_NAME = re.compile(r"[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)\Z")
_KINDS = (bool, int, float, str)


def entry_properties(entries: Mapping[str, Any], namespace: str = "") -> dict[str, Any]:
    """The properties that stand for ``entries`` (under ``namespace``, e.g. ``extras``)."""
    props: dict[str, Any] = {}
    _flatten(entries, namespace, props)
    return props


def _flatten(entries: Mapping[str, Any], prefix: str, props: dict[str, Any]) -> None:
    for key, value in entries.items():
        if not isinstance(key, str) or not _NAME.match(key):
            continue
        if not prefix and key in RESERVED:
            continue
        name = f"{prefix}{SEPARATOR}{key}" if prefix else key
        if isinstance(value, Mapping):
            _flatten(value, name, props)
            continue
        native = _native(value)
        if native is not None:
            props[name] = native


def _native(value: Any) -> Any:
    """``value`` as a property the stores hold, or None when it stays JSON only."""
    if isinstance(value, (list, tuple)):
        if not value or len(value) > MAX_LIST:
            return None
        kind = type(value[0])
        if kind not in _KINDS or any(type(item) is not kind for item in value):
            return None
        items = [_scalar(item) for item in value]
        return None if any(item is None for item in items) else items
    return _scalar(value)


def _scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if INT64_MIN <= value <= INT64_MAX else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else None
    return None
