"""Hosts with networks of their own on one machine, for the multi-host tests.

:class:`Hosts` makes a Linux bridge and one network namespace per host, each joined to the
bridge by a veth pair: a host has its own network stack, its own address and its own
loopback, and reaches the machine only through the bridge, as a cluster node reaches a
database server. The suite's services listen on the machine's loopback, so
:class:`Forwarder` relays a port of the bridge's address to each of them (RabbitMQ then
sees a loopback client, which its ``guest`` user needs). Needs root (``ip netns``).
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["Forwarder", "Hosts"]


def _ip(*args: str) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)} failed: {done.stderr.strip()}")


class Hosts:
    """``count`` network namespaces on a bridge of their own (``10.231.N.0/24``)."""

    def __init__(self, count: int) -> None:
        tag = f"{os.getpid() % 10000}{random.randrange(100)}"
        self.subnet = random.randrange(2, 250)
        self.bridge = f"gfbr{tag}"[:15]
        self.address = f"10.231.{self.subnet}.1"  # the machine, as the hosts see it
        self.namespaces = [f"gf{tag}h{i}" for i in range(1, count + 1)]
        self._up = False

    def up(self) -> None:
        _ip("link", "add", self.bridge, "type", "bridge")
        self._up = True
        _ip("addr", "add", f"{self.address}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for number, namespace in enumerate(self.namespaces, start=1):
            outside, inside = f"{self.bridge[:10]}o{number}", f"{self.bridge[:10]}i{number}"
            _ip("netns", "add", namespace)
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            _ip("link", "set", inside, "netns", namespace)
            _ip("link", "set", outside, "master", self.bridge, "up")
            inner = ("netns", "exec", namespace, "ip")
            _ip(*inner, "addr", "add", f"10.231.{self.subnet}.{10 + number}/24", "dev", inside)
            _ip(*inner, "link", "set", inside, "up")
            _ip(*inner, "link", "set", "lo", "up")

    def _inside(self, number: int) -> list[str]:
        return ["ip", "netns", "exec", self.namespaces[number - 1]]

    def command(self, number: int, hostname: str) -> list[str]:
        """The prefix that runs a command on host ``number`` (1-based), named ``hostname``:
        its network namespace, and a UTS namespace of its own for the name."""
        return [
            *self._inside(number),
            "unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', hostname,
        ]  # fmt: skip

    def down(self) -> None:
        """Remove the namespaces (their veth ends go with them) and the bridge."""
        for namespace in self.namespaces:
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True, check=False)
        if self._up:
            subprocess.run(["ip", "link", "del", self.bridge], capture_output=True, check=False)
            self._up = False


class Forwarder:
    """Relays connections to ``listen`` (any free port) to ``target``, in a thread."""

    def __init__(self, listen: str, target: tuple[str, int], port: int = 0) -> None:
        self.listen = listen
        self.target = target
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    def start(self) -> int:
        """Listen on ``port`` (0: any free one); the port."""
        self._thread.start()
        started: Future[asyncio.Server] = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, self.listen, self.port), self._loop
        )
        self._server = started.result(timeout=30)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._open |= {writer, up_writer}
        await asyncio.gather(
            _relay(reader, up_writer), _relay(up_reader, writer), return_exceptions=True
        )
        self._open -= {writer, up_writer}

    def stop(self) -> None:
        """Stop listening and cut every relayed connection (the server is gone, as far as
        the clients can tell)."""

        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for writer in list(self._open):
                writer.transport.abort()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=30)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)


async def _relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()
