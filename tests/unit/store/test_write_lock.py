"""The write lock on real files: shared turns, turns alone that exclude every other writer
in any process, and a cancelled waiter that leaves nothing held (the cases with the store
are in tests/integration/store/test_write_turns.py and tests/integration/orm)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import TYPE_CHECKING

from graphflow.store._write_lock import WriteLock

if TYPE_CHECKING:
    from pathlib import Path

_HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, getattr(fcntl, sys.argv[2]))
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


def test_a_turn_alone_excludes_other_processes_and_ends_with_the_block(tmp_path: Path) -> None:
    lock = WriteLock(tmp_path / "write.lock")

    async def main() -> list[str]:
        seen = []
        async with lock.held(alone=True):
            seen.append(await asyncio.to_thread(_other_process_sees, lock.path))
        seen.append(await asyncio.to_thread(_other_process_sees, lock.path))
        return seen

    assert asyncio.run(main()) == ["busy", "free"]


def test_writers_share_turns_and_a_turn_alone_overlaps_none(tmp_path: Path) -> None:
    lock = WriteLock(tmp_path / "write.lock")
    inside: list[str] = []
    seen: list[tuple[str, ...]] = []

    async def turn(name: str, *, alone: bool = False) -> None:
        async with lock.held(alone=alone):
            inside.append(name)
            seen.append(tuple(sorted(inside)))
            await asyncio.sleep(0.05)
            inside.remove(name)

    async def main() -> None:
        await asyncio.gather(turn("a"), turn("b"), turn("c", alone=True), turn("d"))

    asyncio.run(main())
    assert ("a", "b") in seen  # shared turns overlap
    assert ("c",) in seen  # the turn alone has the lock to itself ...
    assert not [names for names in seen if "c" in names and len(names) > 1]
    assert seen[-1] == ("d",)  # ... and a writer that came after it waited for it


def test_a_writer_waiting_to_be_alone_holds_back_other_processes(tmp_path: Path) -> None:
    """While it waits for the shared turns in flight to end, other processes' new writers
    stop at the gate, so a stream of them cannot keep it waiting for ever."""
    path = tmp_path / "write.lock"
    holder = _other_process_holding(path, "LOCK_SH")  # a shared turn in flight
    lock = WriteLock(path)

    async def main() -> list[str]:
        seen = [await asyncio.to_thread(_other_process_sees, lock.gate_path)]
        waiter = asyncio.create_task(_enter(lock, alone=True))
        await asyncio.sleep(0.2)
        assert not waiter.done()  # a shared turn is in flight in the other process
        seen.append(await asyncio.to_thread(_other_process_sees, lock.gate_path))
        _let_go(holder)
        await asyncio.wait_for(waiter, 10)
        seen.append(await asyncio.to_thread(_other_process_sees, lock.gate_path))
        return seen

    try:
        assert asyncio.run(main()) == ["free", "busy", "free"]
    finally:
        holder.kill()
        holder.wait()


def test_a_cancelled_waiter_leaves_the_lock_free(tmp_path: Path) -> None:
    path = tmp_path / "write.lock"
    holder = _other_process_holding(path, "LOCK_EX")
    lock = WriteLock(path)

    async def main() -> str:
        waiter = asyncio.create_task(_enter(lock))
        await asyncio.sleep(0.2)
        assert not waiter.done()  # the other process holds the lock
        waiter.cancel()
        await asyncio.gather(waiter, return_exceptions=True)
        _let_go(holder)
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


def _other_process_holding(path: Path, operation: str) -> subprocess.Popen[str]:
    """A process that holds ``flock(path, operation)`` until a line comes on its stdin."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path), operation],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    return holder


def _let_go(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None
    holder.stdin.write("\n")
    holder.stdin.flush()


async def _enter(lock: WriteLock, *, alone: bool = False) -> None:
    async with lock.held(alone=alone):
        pass
