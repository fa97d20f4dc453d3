"""Checks of what users pass to lineage functions; each error names the argument and value."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphflow.errors import ValidationError
from graphflow.lineage._graph import LINK_TYPES, LinkMode
from graphflow.orm import Node

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["check_depth", "check_limit", "check_links", "check_nodes"]


def check_links(links: Any, what: str = "links") -> LinkMode:
    """``links`` as a :data:`LinkMode`, or an error listing the choices."""
    if not isinstance(links, str) or links not in LINK_TYPES:
        raise ValidationError(f"{what} must be one of data, logic, all; got {links!r}")
    return links  # type: ignore[return-value]  # checked against the three modes above


def check_depth(depth: Any, what: str = "depth", *, zero: bool = False) -> int | None:
    """``None`` (no limit) or a positive integer (or 0 where ``zero`` allows "none")."""
    if depth is None:
        return None
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < (0 if zero else 1):
        wanted = "a positive integer, 0 or None" if zero else "a positive integer or None"
        raise ValidationError(f"{what} must be {wanted}, got {depth!r}")
    return depth


def check_limit(limit: Any, what: str = "max_nodes") -> int:
    """A positive integer size limit."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit < 2**31 - 1:
        raise ValidationError(f"{what} must be a positive integer below 2**31, got {limit!r}")
    return limit


def check_nodes(nodes: Any, what: str = "nodes") -> list[Node]:
    """One stored node or a non-empty sequence of them, as a list without repeats."""
    items: Sequence[Any] = [nodes] if isinstance(nodes, Node) else nodes
    if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        raise ValidationError(f"{what} must be a stored node or a list of them, got {nodes!r}")
    found: list[Node] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, Node):
            raise ValidationError(
                f"{what}: {item!r} is not a node (load one with graphflow.load_node(pk))"
            )
        if not item.is_stored:
            raise ValidationError(f"{what}: {item!r} is not stored, so it has no provenance yet")
        if item.uuid not in seen:  # by uuid: base types compare by value
            seen.add(item.uuid)
            found.append(item)
    if not found:
        raise ValidationError(f"{what} is empty: give at least one stored node")
    return found
