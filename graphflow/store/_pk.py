"""Small integer primary keys, unique in a profile, without a lock per node.

Each interpreter reserves blocks of pks from a counter in the store (one short write
transaction per block) and hands them out locally. Blocks start small, so a command that
stores one node wastes few numbers, and double while a process keeps storing, so a busy
worker reserves rarely. Unused numbers of a block are lost when the interpreter exits:
pks are unique and increasing within an interpreter, not gap-free.

User code (a step, a process function, a parser) takes pks from what is already reserved
without waiting (:meth:`PkAllocator.take_reserved`, from any thread); the runner tops the
reserve up on the loop before each step (:meth:`PkAllocator.ensure`), so user code never
has to wait for the store, nor call back into graphflow's loop, to store a node.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import TYPE_CHECKING

from graphflow.store._queries import query

if TYPE_CHECKING:
    from graphflow.store._client import Store

__all__ = ["PkAllocator"]

FIRST_BLOCK = 4
MAX_BLOCK = 1024


class PkAllocator:
    """Hands out pks from reserved blocks: reserving on the loop, taking from any thread."""

    def __init__(self, store: Store, *, sequence: str = "pk") -> None:
        self._store = store
        self._sequence = sequence
        self._free: deque[range] = deque()
        self._available = 0
        self._block = FIRST_BLOCK
        self._lock = threading.Lock()  # guards _free and _available; never held across await
        self._reserving = asyncio.Lock()

    @property
    def available(self) -> int:
        """How many pks are reserved and not handed out yet."""
        return self._available

    def take_reserved(self, count: int) -> list[int] | None:
        """``count`` pks from the reserve, or None when fewer are left; never waits."""
        with self._lock:
            if count > self._available:
                return None
            taken: list[int] = []
            while len(taken) < count:
                block = self._free[0]
                n = min(count - len(taken), len(block))
                taken.extend(block[:n])
                if n == len(block):
                    self._free.popleft()
                else:
                    self._free[0] = block[n:]
            self._available -= count
            return taken

    async def ensure(self, count: int) -> None:
        """Have at least ``count`` pks reserved (one store write when fewer are)."""
        async with self._reserving:
            missing = count - self._available
            if missing <= 0:
                return
            size = max(self._block, missing)
            rows = await self._store.write(
                query("store.reserve_pks"), name=self._sequence, count=size
            )
            first = int(rows[0]["first"])
            with self._lock:
                self._free.append(range(first, first + size))
                self._available += size
            self._block = min(self._block * 2, MAX_BLOCK)

    async def take(self, count: int) -> list[int]:
        """``count`` fresh pks, reserving more when the reserve is short."""
        if count <= 0:
            return []
        while True:
            taken = self.take_reserved(count)
            if taken is not None:
                return taken
            await self.ensure(count)
