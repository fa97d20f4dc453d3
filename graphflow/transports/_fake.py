"""An in-memory computer and its transport, for tests that must not touch a network.

``FakeComputer`` holds a file tree, a command handler and counters; every
``FakeTransport`` made from it sees the same tree, as transports to one real computer
see one disk. Tests use it to count opens and closes, to make opening slow or fail (an
``on_open`` hook) and to script what commands print. Its file operations follow the
same rules as the real transports (the conformance suite runs on it too).
"""

from __future__ import annotations

import asyncio
import os
import posixpath
from typing import TYPE_CHECKING, Final

from graphflow.errors import TransportError
from graphflow.transports._errors import check_remote_path, missing, operation_failed
from graphflow.transports._protocol import CommandResult

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from os import PathLike

__all__ = ["FakeComputer", "FakeTransport"]

_NAME: Final = "core.fake"


async def _not_found(command: str, workdir: str | None, stdin: bytes) -> CommandResult:
    name = command.split(maxsplit=1)[0] if command.strip() else command
    return CommandResult(127, "", f"sh: 1: {name}: not found\n")


class FakeComputer:
    """A computer that exists only in memory.

    Args:
        home: the home directory (created).
        handler: ``async handler(command, workdir, stdin) -> CommandResult`` for
            ``exec``; by default every command is "not found" (127).
        on_open: awaited by every ``open()``; raise from it to make opening fail, or
            sleep on a fake clock to make it slow.
    """

    def __init__(
        self,
        *,
        home: str = "/home/fake",
        handler: Callable[[str, str | None, bytes], Awaitable[CommandResult]] | None = None,
        on_open: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.home = check_remote_path("fake", home)
        self.handler = handler if handler is not None else _not_found
        self.on_open = on_open
        self.files: dict[str, bytes] = {}
        self.modes: dict[str, int] = {}
        self.directories: set[str] = {"/"}
        self.opens = 0
        self.closes = 0
        self.commands: list[str] = []
        self._makedirs(home)

    def transport(self) -> FakeTransport:
        """A new, unopened transport to this computer (a queue factory)."""
        return FakeTransport(self)

    @property
    def open_transports(self) -> int:
        """Transports opened and not yet closed."""
        return self.opens - self.closes

    def _makedirs(self, path: str) -> None:
        parts = [part for part in path.split("/") if part]
        current = "/"
        for part in parts:
            current = posixpath.join(current, part)
            if current in self.files:
                raise operation_failed("fake", "create directory", path, f"{current!r} is a file")
            self.directories.add(current)


def _norm(path: str) -> str:
    return posixpath.normpath(check_remote_path("fake", path))


class FakeTransport:
    """A transport to a ``FakeComputer``; see the module docstring."""

    def __init__(self, computer: FakeComputer) -> None:
        self.computer = computer
        self._open = False

    @property
    def name(self) -> str:
        """``core.fake``."""
        return _NAME

    @property
    def is_open(self) -> bool:
        """Whether ``open`` succeeded and neither ``close`` nor ``drop`` came since."""
        return self._open

    async def open(self) -> None:
        """Run the computer's ``on_open`` hook, then count the open."""
        if self._open:
            return
        if self.computer.on_open is not None:
            await self.computer.on_open()
        self.computer.opens += 1
        self._open = True

    async def close(self) -> None:
        """Count the close (once)."""
        if self._open:
            self._open = False
            self.computer.closes += 1

    def drop(self) -> None:
        """Simulate a lost connection: ``is_open`` turns false without a close."""
        if self._open:
            self._open = False
            self.computer.closes += 1

    def _check(self, action: str) -> FakeComputer:
        if not self._open:
            raise TransportError(f"fake: cannot {action}: the transport is not open")
        return self.computer

    async def exec(
        self,
        command: str,
        *,
        workdir: str | None = None,
        stdin: bytes | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - enforced remotely: the command is killed
    ) -> CommandResult:
        """Hand the command to the computer's handler, under ``timeout`` (real seconds)."""
        computer = self._check("run a command")
        if workdir is not None and _norm(workdir) not in computer.directories:
            raise missing("fake", "run a command in", workdir)
        computer.commands.append(command)
        try:
            async with asyncio.timeout(timeout):
                return await computer.handler(command, workdir, stdin or b"")
        except TimeoutError as exc:
            raise TransportError(
                f"fake: command timed out after {timeout} s and was killed: {command!r}"
            ) from exc

    def _parent_must_exist(self, computer: FakeComputer, action: str, path: str) -> None:
        if posixpath.dirname(path) not in computer.directories:
            raise missing("fake", action, path)

    async def makedirs(self, path: str) -> None:
        """Create ``path`` and its parents."""
        self._check("create directory")._makedirs(_norm(path))

    async def write_bytes(self, path: str, data: bytes, *, mode: int | None = None) -> None:
        """Store ``data`` under ``path``; the parent directory must exist."""
        computer, path = self._check("write"), _norm(path)
        self._parent_must_exist(computer, "write", path)
        if path in computer.directories:
            raise operation_failed("fake", "write", path, "is a directory")
        computer.files[path] = bytes(data)
        if mode is not None:
            computer.modes[path] = mode

    async def read_bytes(self, path: str) -> bytes:
        """The stored bytes of ``path``."""
        computer, path = self._check("read"), _norm(path)
        if path in computer.directories:
            raise operation_failed("fake", "read", path, "is a directory")
        if path not in computer.files:
            raise missing("fake", "read", path)
        return computer.files[path]

    async def put(self, local_path: str | PathLike[str], remote_path: str) -> None:
        """Read the local file in a thread and store it."""
        local = os.fspath(local_path)
        try:
            data = await asyncio.to_thread(_read_local, local)
        except FileNotFoundError as exc:
            raise missing("fake", "read local file", local) from exc
        await self.write_bytes(remote_path, data)

    async def get(self, remote_path: str, local_path: str | PathLike[str]) -> None:
        """Write the stored bytes to a local file in a thread."""
        data = await self.read_bytes(remote_path)
        await asyncio.to_thread(_write_local, os.fspath(local_path), data)

    async def put_tree(self, local_dir: str | PathLike[str], remote_dir: str) -> None:
        """Copy a local tree in."""
        local = os.fspath(local_dir)
        tree = await asyncio.to_thread(_walk, local)
        if tree is None:
            raise missing("fake", "copy the local tree", local)
        await self.makedirs(remote_dir)
        for relative, data in tree:
            if data is None:
                await self.makedirs(posixpath.join(remote_dir, relative))
            else:
                await self.write_bytes(posixpath.join(remote_dir, relative), data)

    async def get_tree(self, remote_dir: str, local_dir: str | PathLike[str]) -> None:
        """Copy a stored tree out."""
        computer, top = self._check("copy the tree"), _norm(remote_dir)
        if top not in computer.directories:
            raise missing("fake", "copy the tree", remote_dir)
        prefix = top.rstrip("/") + "/"
        entries: list[tuple[str, bytes | None]] = [
            (path.removeprefix(prefix), None)
            for path in sorted(computer.directories)
            if path.startswith(prefix)
        ]
        entries += [
            (path.removeprefix(prefix), data)
            for path, data in sorted(computer.files.items())
            if path.startswith(prefix)
        ]
        await asyncio.to_thread(_write_tree, os.fspath(local_dir), entries)

    async def listdir(self, path: str) -> list[str]:
        """Names directly inside ``path``."""
        computer, path = self._check("list"), _norm(path)
        if path not in computer.directories:
            if path in computer.files:
                raise operation_failed("fake", "list", path, "not a directory")
            raise missing("fake", "list", path)
        names = {
            posixpath.basename(item)
            for item in (*computer.directories, *computer.files)
            if item != "/" and posixpath.dirname(item) == path
        }
        return sorted(names)

    async def exists(self, path: str) -> bool:
        """Whether ``path`` is a stored file or directory."""
        computer, path = self._check("check"), _norm(path)
        return path in computer.files or path in computer.directories

    async def is_dir(self, path: str) -> bool:
        """Whether ``path`` is a stored directory."""
        computer, path = self._check("check"), _norm(path)
        return path in computer.directories

    async def remove(self, path: str) -> None:
        """Forget the file ``path``."""
        computer, path = self._check("remove"), _norm(path)
        if path in computer.directories:
            raise operation_failed("fake", "remove", path, "is a directory")
        if computer.files.pop(path, None) is None:
            raise missing("fake", "remove", path)
        computer.modes.pop(path, None)

    async def rmtree(self, path: str) -> None:
        """Forget the directory ``path`` and everything under it."""
        computer, path = self._check("remove the tree"), _norm(path)
        if path not in computer.directories:
            if path in computer.files:
                raise operation_failed("fake", "remove the tree", path, "not a directory")
            raise missing("fake", "remove the tree", path)
        prefix = path.rstrip("/") + "/"
        computer.directories = {
            item for item in computer.directories if item != path and not item.startswith(prefix)
        } | {"/"}
        for item in [item for item in computer.files if item.startswith(prefix)]:
            del computer.files[item]
            computer.modes.pop(item, None)

    async def home(self) -> str:
        """The computer's home directory."""
        return self._check("find the home directory").home


def _read_local(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _write_local(path: str, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)


def _walk(top: str) -> list[tuple[str, bytes | None]] | None:
    """``(relative path, bytes or None for a directory)`` under ``top``, parents first."""
    if not os.path.isdir(top):
        return None
    entries: list[tuple[str, bytes | None]] = []
    for root, dirnames, filenames in os.walk(top):
        relative = os.path.relpath(root, top)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        entries.extend((prefix + name, None) for name in sorted(dirnames))
        entries.extend(
            (prefix + name, _read_local(os.path.join(root, name))) for name in sorted(filenames)
        )
    return entries


def _write_tree(top: str, entries: list[tuple[str, bytes | None]]) -> None:
    os.makedirs(top, exist_ok=True)
    for relative, data in entries:
        target = os.path.join(top, *relative.split("/"))
        if data is None:
            os.makedirs(target, exist_ok=True)
        else:
            _write_local(target, data)
