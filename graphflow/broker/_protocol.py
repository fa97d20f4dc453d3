"""What the engine needs from messaging, whatever carries it.

:class:`~graphflow.broker.RabbitMQCommunicator` implements it between interpreters;
:class:`~graphflow.broker.LocalCommunicator` inside one interpreter (the local runner,
and tests that need no broker).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from graphflow.broker._messages import RpcReply, RpcRequest, StateMessage, TaskMessage

__all__ = ["CausalContext", "Communicator"]


class CausalContext(Protocol):
    """What a message carries so that its receiver reads what its sender had committed
    (the store's bookmarks: see graphflow.store.Bookmarks)."""

    def current(self) -> list[str]: ...

    def observe(self, bookmarks: list[str]) -> None: ...


class Communicator(Protocol):
    """What a runner needs: queue tasks, announce states, hear states, answer RPC.

    Taking tasks and holding processes are a daemon worker's business and live on
    :class:`~graphflow.broker.RabbitMQCommunicator` itself.
    """

    async def connect(self) -> None: ...

    async def close(self) -> None: ...

    async def publish_task(self, task: TaskMessage) -> None: ...

    async def broadcast_state(self, message: StateMessage) -> None: ...

    async def subscribe_states(
        self, listener: Callable[[StateMessage], Awaitable[None] | None]
    ) -> None: ...

    async def serve_rpc(
        self, handler: Callable[[RpcRequest], Awaitable[RpcReply | None]]
    ) -> None: ...

    async def rpc(
        self, request: RpcRequest, *, wait: float = 5.0, collect: bool = False
    ) -> list[RpcReply]: ...
