"""Checkpoints (paper, section 3.2.1): a process's state as versioned, deterministic JSON.

A checkpoint is stored in the process node's ``checkpoint`` property while the process is
not terminated. It holds the outline position (indices), the context, what the process
waits for, its recorded outputs and its inputs — values as JSON, stored nodes by uuid.
It never holds pickled or YAML-tagged objects, so reading one never runs code, and it
names the process class by entry point or import name, never by pickled reference.

Values that JSON cannot hold exactly are tagged: ``{"@node": uuid}``, ``{"@tuple": [...]}``,
``{"@float": "nan"}`` and ``{"@dict": {...}}`` (a dict whose keys start with ``@``).
Anything else is refused when it is encoded — at the step that set it — naming its key.

Versions: every change of this format bumps :data:`VERSION` and adds a migration from
the previous version; golden checkpoints of every version are kept under
``tests/unit/engine/checkpoints`` and must keep loading.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphflow.errors import CheckpointError
from graphflow.orm import Node

__all__ = [
    "FORMAT",
    "VERSION",
    "Checkpoint",
    "decode_value",
    "dumps",
    "encode_value",
    "loads",
    "node_refs",
]

FORMAT = "graphflow.checkpoint"
VERSION = 1
_TAGS = ("@node", "@tuple", "@float", "@dict")


def encode_value(value: Any, path: str) -> Any:
    """The JSON form of a context or input value; refuses what cannot round-trip."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return {"@float": "nan"}
        if math.isinf(value):
            return {"@float": "inf" if value > 0 else "-inf"}
        return value
    if isinstance(value, Node):
        if not value.is_stored:
            raise CheckpointError(
                f"{path} holds an unstored {type(value).__name__} node; only stored nodes "
                "can be kept in a checkpoint (store it, or keep its value instead)"
            )
        return {"@node": value.uuid}
    if isinstance(value, tuple):
        return {"@tuple": [encode_value(v, f"{path}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [encode_value(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise CheckpointError(
                    f"{path} has the key {key!r} of type {type(key).__name__}; keys must be strings"
                )
            out[key] = encode_value(item, f"{path}.{key}")
        if any(key.startswith("@") for key in out):
            return {"@dict": out}
        return out
    raise CheckpointError(
        f"{path} holds a {type(value).__module__}.{type(value).__qualname__}, which a "
        "checkpoint cannot keep (use JSON values, tuples or stored nodes)"
    )


def node_refs(encoded: Any) -> set[str]:
    """Every node uuid referred to in an encoded value."""
    found: set[str] = set()
    if isinstance(encoded, dict):
        if set(encoded) == {"@node"}:
            found.add(encoded["@node"])
        else:
            for item in encoded.values():
                found |= node_refs(item)
    elif isinstance(encoded, list):
        for item in encoded:
            found |= node_refs(item)
    return found


def decode_value(encoded: Any, nodes: Mapping[str, Node], path: str = "value") -> Any:
    """The value an encoded one stands for; ``nodes`` resolves node references."""
    if isinstance(encoded, list):
        return [decode_value(v, nodes, f"{path}[{i}]") for i, v in enumerate(encoded)]
    if not isinstance(encoded, dict):
        return encoded
    if len(encoded) == 1:
        ((tag, inner),) = encoded.items()
        if tag == "@node":
            try:
                return nodes[inner]
            except KeyError:
                raise CheckpointError(
                    f"{path} refers to node {inner}, which does not exist"
                ) from None
        if tag == "@tuple":
            return tuple(decode_value(v, nodes, f"{path}[{i}]") for i, v in enumerate(inner))
        if tag == "@float":
            if inner not in ("nan", "inf", "-inf"):
                raise CheckpointError(f"{path}: unknown float tag {inner!r}")
            return float(inner)
        if tag == "@dict":
            return {k: decode_value(v, nodes, f"{path}.{k}") for k, v in inner.items()}
        if tag.startswith("@"):
            raise CheckpointError(f"{path}: unknown tag {tag!r} (written by a newer graphflow?)")
    return {k: decode_value(v, nodes, f"{path}.{k}") for k, v in encoded.items()}


@dataclass(slots=True)
class Checkpoint:
    """What a process needs to continue; every field is plain JSON data.

    ``position`` is the outline path of the next step to run (None: the outline has not
    started); ``awaiting`` lists ``{"key", "uuid", "append"}`` of children the process
    waits for; ``outputs`` maps link labels to uuids; ``inputs`` are the encoded inputs
    (nodes by reference, non-db values as JSON); ``extra`` is kind-specific (a calculation
    job's progress).
    """

    process_type: str
    state: str
    inputs: dict[str, Any] = field(default_factory=dict)
    position: list[int] | None = None
    ctx: dict[str, Any] = field(default_factory=dict)
    awaiting: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "process_type": self.process_type,
            "state": self.state,
            "inputs": self.inputs,
            "position": self.position,
            "ctx": self.ctx,
            "awaiting": self.awaiting,
            "outputs": self.outputs,
            "extra": self.extra,
        }


def dumps(checkpoint: Checkpoint) -> str:
    """The checkpoint's text: sorted keys, no whitespace, so equal states give equal bytes."""
    try:
        return json.dumps(
            checkpoint.to_json(), sort_keys=True, separators=(",", ":"), allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise CheckpointError(
            f"checkpoint of {checkpoint.process_type} is not JSON: {exc}"
        ) from exc


#: migrations by the version they start from; each returns the next version's document
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}

_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "process_type": str,
    "state": str,
    "inputs": dict,
    "ctx": dict,
    "awaiting": list,
    "outputs": dict,
    "extra": dict,
}


def loads(text: str) -> Checkpoint:
    """Parse and validate a checkpoint of this or an older version; never runs code."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"checkpoint is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError("this is not a graphflow checkpoint (no 'format' field)")
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise CheckpointError(f"checkpoint version {version!r} is not valid")
    if version > VERSION:
        raise CheckpointError(
            f"checkpoint version {version} was written by a newer graphflow; this one reads "
            f"versions up to {VERSION}: upgrade graphflow to continue this process"
        )
    while version < VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    for name, kind in _REQUIRED.items():
        if not isinstance(data.get(name), kind):
            raise CheckpointError(
                f"checkpoint (version {VERSION}) field {name!r} is "
                f"{type(data.get(name)).__name__}, expected {getattr(kind, '__name__', kind)}"
            )
    position = data.get("position")
    if position is not None and not (
        isinstance(position, list) and all(isinstance(i, int) for i in position)
    ):
        raise CheckpointError(f"checkpoint field 'position' is {position!r}, expected indices")
    return Checkpoint(
        process_type=data["process_type"],
        state=data["state"],
        inputs=data["inputs"],
        position=position,
        ctx=data["ctx"],
        awaiting=data["awaiting"],
        outputs=data["outputs"],
        extra=data["extra"],
    )
