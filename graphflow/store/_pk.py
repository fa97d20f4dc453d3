"""Small integer primary keys, unique in a profile, without a lock per node.

Each interpreter reserves blocks of pks from a counter in the store (one short write
transaction per block) and hands them out locally. Blocks start small, so a command that
stores one node wastes few numbers, and double while a process keeps storing, so a busy
worker reserves rarely. Unused numbers of a block are lost when the interpreter exits:
pks are unique and increasing within an interpreter, not gap-free.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from graphflow.store._queries import query

if TYPE_CHECKING:
    from graphflow.store._client import Store

__all__ = ["PkAllocator"]

FIRST_BLOCK = 4
MAX_BLOCK = 1024


class PkAllocator:
    """Hands out pks from reserved blocks; safe for concurrent tasks on one loop."""

    def __init__(self, store: Store, *, sequence: str = "pk") -> None:
        self._store = store
        self._sequence = sequence
        self._next = 0
        self._end = 0
        self._block = FIRST_BLOCK
        self._lock = asyncio.Lock()

    async def take(self, count: int) -> list[int]:
        """``count`` fresh pks."""
        if count <= 0:
            return []
        async with self._lock:
            taken: list[int] = []
            while len(taken) < count:
                if self._next >= self._end:
                    await self._reserve(max(self._block, count - len(taken)))
                    self._block = min(self._block * 2, MAX_BLOCK)
                n = min(count - len(taken), self._end - self._next)
                taken.extend(range(self._next, self._next + n))
                self._next += n
            return taken

    async def _reserve(self, size: int) -> None:
        rows = await self._store.write(query("store.reserve_pks"), name=self._sequence, count=size)
        first = int(rows[0]["first"])
        self._next, self._end = first, first + size
