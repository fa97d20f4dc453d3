"""The write lock on a real file: turns are exclusive across processes, and a waiter that is
cancelled leaves nothing held (the cross-process case with the store is in
tests/integration/orm/test_nodes_store.py)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import TYPE_CHECKING

from graphflow.store._write_lock import WriteLock

if TYPE_CHECKING:
    from pathlib import Path

_HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
"""

_TRY = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("free")
except BlockingIOError:
    print("busy")
"""


def _other_process_sees(path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _TRY, str(path)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_turn_excludes_other_processes_and_ends_with_the_block(tmp_path: Path) -> None:
    lock = WriteLock(tmp_path / "write.lock")

    async def main() -> list[str]:
        seen = []
        async with lock.held():
            seen.append(await asyncio.to_thread(_other_process_sees, lock.path))
        seen.append(await asyncio.to_thread(_other_process_sees, lock.path))
        return seen

    assert asyncio.run(main()) == ["busy", "free"]


def test_turns_within_a_process_do_not_overlap(tmp_path: Path) -> None:
    lock = WriteLock(tmp_path / "write.lock")
    inside = 0
    most = 0

    async def turn() -> None:
        nonlocal inside, most
        async with lock.held():
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    async def main() -> None:
        await asyncio.gather(*(turn() for _ in range(8)))

    asyncio.run(main())
    assert most == 1


def test_a_cancelled_waiter_leaves_the_lock_free(tmp_path: Path) -> None:
    path = tmp_path / "write.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdin is not None
    assert holder.stdout.readline().strip() == "held"
    lock = WriteLock(path)

    async def main() -> str:
        waiter = asyncio.create_task(_enter(lock))
        await asyncio.sleep(0.2)
        assert not waiter.done()  # the other process holds the lock
        waiter.cancel()
        await asyncio.gather(waiter, return_exceptions=True)
        holder.stdin.write("\n")
        holder.stdin.flush()
        await asyncio.to_thread(holder.wait, 10)
        # the cancelled waiter's thread took the lock once it was free, and gave it back
        await asyncio.wait_for(_enter(lock), 5)
        await asyncio.sleep(0.1)
        return await asyncio.to_thread(_other_process_sees, path)

    try:
        assert asyncio.run(main()) == "free"
    finally:
        holder.kill()
        holder.wait()


async def _enter(lock: WriteLock) -> None:
    async with lock.held():
        pass
