"""The in-process communicator: the same protocol, for one interpreter and for tests.

Tasks wait in an in-memory queue (they do not survive the interpreter), holds are just
bookkeeping, broadcasts go to this interpreter's listeners, and RPC reaches the one
handler served here.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from graphflow.broker._messages import RpcReply, RpcRequest, StateMessage, TaskMessage

__all__ = ["LocalCommunicator", "LocalDelivery", "LocalHold"]


@dataclass(eq=False)
class LocalHold:
    task: TaskMessage


class LocalDelivery:
    def __init__(self, owner: LocalCommunicator, task: TaskMessage) -> None:
        self._owner = owner
        self.task = task

    async def ack(self) -> None:
        self._owner._unacked -= 1
        self._owner._acked.set()

    async def requeue(self) -> None:
        self._owner._unacked -= 1
        self._owner._acked.set()
        self._owner._queue.put_nowait(self.task)


class LocalCommunicator:
    """Messaging inside one interpreter."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[TaskMessage] = asyncio.Queue()
        self._unacked = 0
        self._acked = asyncio.Event()
        self._listeners: list[Callable[[StateMessage], Awaitable[None] | None]] = []
        self._rpc: Callable[[RpcRequest], Awaitable[RpcReply | None]] | None = None
        self._consumer: asyncio.Task[None] | None = None
        self.holds: list[str] = []

    async def connect(self) -> None:
        return None

    async def close(self) -> None:
        await self.stop_consuming_tasks()

    async def publish_task(self, task: TaskMessage) -> None:
        self._queue.put_nowait(task)

    async def consume_tasks(
        self, handler: Callable[[LocalDelivery], Awaitable[None]], *, prefetch: int
    ) -> None:
        async def pump() -> None:
            while True:
                task = await self._queue.get()
                while self._unacked >= prefetch:
                    self._acked.clear()
                    await self._acked.wait()
                self._unacked += 1
                await handler(LocalDelivery(self, task))

        self._consumer = asyncio.get_running_loop().create_task(pump())

    async def stop_consuming_tasks(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await consumer

    async def hold(self, task: TaskMessage) -> LocalHold:
        self.holds.append(task.uuid)
        return LocalHold(task)

    async def release(self, hold: LocalHold, *, hand_back: bool = False) -> None:
        with contextlib.suppress(ValueError):
            self.holds.remove(hold.task.uuid)
        if hand_back:
            await self.publish_task(hold.task)

    async def broadcast_state(self, message: StateMessage) -> None:
        for listener in list(self._listeners):
            result = listener(message)
            if result is not None:
                await result

    async def subscribe_states(
        self, listener: Callable[[StateMessage], Awaitable[None] | None]
    ) -> None:
        self._listeners.append(listener)

    async def serve_rpc(self, handler: Callable[[RpcRequest], Awaitable[RpcReply | None]]) -> None:
        self._rpc = handler

    async def rpc(
        self, request: RpcRequest, *, wait: float = 5.0, collect: bool = False
    ) -> list[RpcReply]:
        if self._rpc is None:
            return []
        reply = await self._rpc(request)
        return [reply] if reply is not None else []
