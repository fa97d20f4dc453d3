"""The messages graphflow sends through a broker: versioned, self-describing JSON.

Every message is a JSON object with ``"format"`` and ``"version"``; a decoder refuses
anything else with an error naming the format and the field, and never runs code.

::

    task   {"format": "graphflow.task",  "version": 1, "uuid", "pk"}
           "run (or continue) this process"; persistent, on the task queue
    state  {"format": "graphflow.state", "version": 1, "uuid", "pk", "state", "paused",
            "exit_status", "caller"}          a process changed state (broadcast)
    rpc    {"format": "graphflow.rpc", "version": 1, "action", "uuid", "message"}
           pause | play | kill | status | holds, to whoever runs the process
    reply  {"format": "graphflow.reply", "version": 1, "ok", "message", "data"}
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from graphflow.errors import BrokerError

__all__ = [
    "RpcReply",
    "RpcRequest",
    "StateMessage",
    "TaskMessage",
    "decode",
    "encode",
]

VERSION = 1
RpcAction = Literal["pause", "play", "kill", "status", "holds"]
_ACTIONS = ("pause", "play", "kill", "status", "holds")


@dataclass(frozen=True, slots=True)
class TaskMessage:
    """Run, or continue from its checkpoint, the process with this node uuid."""

    uuid: str
    pk: int | None = None

    FORMAT = "graphflow.task"


@dataclass(frozen=True, slots=True)
class StateMessage:
    """A process's state after a durable change."""

    uuid: str
    pk: int | None
    state: str
    paused: bool = False
    exit_status: int | None = None
    caller: str | None = None
    label: str = ""

    FORMAT = "graphflow.state"


@dataclass(frozen=True, slots=True)
class RpcRequest:
    """A request for whichever runner holds process ``uuid`` (``holds``: every runner)."""

    action: str
    uuid: str = ""
    message: str = ""

    FORMAT = "graphflow.rpc"

    def __post_init__(self) -> None:
        if self.action not in _ACTIONS:
            raise BrokerError(f"unknown RPC action {self.action!r} (known: {', '.join(_ACTIONS)})")


@dataclass(frozen=True, slots=True)
class RpcReply:
    """A runner's answer."""

    ok: bool
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    FORMAT = "graphflow.reply"


_TYPES: dict[str, type[Any]] = {
    cls.FORMAT: cls for cls in (TaskMessage, StateMessage, RpcRequest, RpcReply)
}


def encode(message: TaskMessage | StateMessage | RpcRequest | RpcReply) -> bytes:
    body = {"format": message.FORMAT, "version": VERSION, **asdict(message)}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def decode(raw: bytes, expected: type[Any]) -> Any:
    """The message in ``raw``, which must be of type ``expected``."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BrokerError(f"message is not JSON ({exc}): {raw[:80]!r}") from exc
    if not isinstance(data, dict):
        raise BrokerError(f"message is not a JSON object: {raw[:80]!r}")
    fmt = data.pop("format", None)
    version = data.pop("version", None)
    if fmt != expected.FORMAT:
        raise BrokerError(f"expected a {expected.FORMAT} message, got format {fmt!r}")
    if version != VERSION:
        raise BrokerError(f"{fmt} message version {version!r} is not {VERSION}")
    try:
        return expected(**data)
    except TypeError as exc:
        raise BrokerError(f"{fmt} message has bad fields: {exc}") from exc
