"""What can be stored as a node attribute, and its one canonical JSON text.

Attributes are stored as JSON text in the graph (maps cannot be property values), so a
value must be JSON: ``None``, bools, ints, finite floats, strings, lists and dicts with
string keys, nested to any depth. Anything else is refused when it is set, with the path
of the offending element, never later when it is written.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from graphflow.errors import NotStorableError
from graphflow.store import unicode_problem

__all__ = ["canonical_json", "check_storable", "load_json"]


#: lists and dicts nested deeper than this are refused (JSON parsers recurse per level)
MAX_DEPTH = 200


def check_storable(value: Any, path: str, owner: str, depth: int = 0) -> Any:
    """Return a plain-JSON copy of ``value``, or raise naming ``owner`` and the bad path.

    Tuples become lists; dict keys must be strings; floats must be finite.
    """
    if depth > MAX_DEPTH:
        where = path if len(path) <= 60 else f"{path[:40]}…{path[-15:]}"
        raise NotStorableError(
            f"{owner}: {where or 'the value'} is nested more than {MAX_DEPTH} lists or "
            "dicts deep; flatten it or keep it in a file"
        )
    if isinstance(value, str):
        problem = unicode_problem(value)
        if problem is not None:
            raise NotStorableError(f"{owner}: {path or 'the value'} {problem}")
        return value
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotStorableError(
                f"{owner}: {path} is {value!r}; NaN and infinity cannot be stored in JSON "
                "attributes (store a Float node, or None)"
            )
        return float(value)
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotStorableError(
                    f"{owner}: {path or 'the value'} has the key {key!r} of type "
                    f"{type(key).__name__}; keys must be strings"
                )
            problem = unicode_problem(key)
            if problem is not None:
                raise NotStorableError(f"{owner}: a key of {path or 'the value'} {problem}")
            out[key] = check_storable(item, f"{path}.{key}" if path else key, owner, depth + 1)
        return out
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return [
            check_storable(item, f"{path}[{i}]", owner, depth + 1) for i, item in enumerate(value)
        ]
    raise NotStorableError(
        f"{owner}: {path} is a {type(value).__module__}.{type(value).__qualname__}, "
        "which is not JSON-representable (use None, bool, int, float, str, list or dict)"
    )


def canonical_json(value: Any) -> str:
    """The deterministic JSON text of an already checked value (sorted keys, no spaces)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def load_json(text: str | None, what: str) -> Any:
    """Parse JSON read back from the store; a damaged value names what it belonged to."""
    if text is None or text == "{}":  # most extras, and attributes of most processes
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotStorableError(f"{what} holds damaged JSON: {exc}") from exc
