"""The transport queue against the real sshd, counted in sshd's own log.

Each test connects from its own loopback address, so the ``Connection from ADDRESS``
lines it counts in sshd's VERBOSE log are its own, whatever else uses the sshd.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time

import pytest

from graphflow.errors import TransportError
from graphflow.transports import SshTransport, Transport, TransportQueue

from ._services import connections_from, eventually, ssh_settings

pytestmark = pytest.mark.requires_ssh

SAFE_INTERVAL = 1.0
KEEP_OPEN = 0.2


def test_a_burst_of_100_requests_opens_exactly_one_connection(ssh_env):
    settings = ssh_settings(ssh_env)
    address = str(settings.bind_address)

    async def scenario() -> None:
        async with TransportQueue(keep_open=KEEP_OPEN) as queue:

            async def job(n: int) -> str:
                async with queue.request(
                    "gftest@sshd", lambda: SshTransport(settings), SAFE_INTERVAL
                ) as transport:
                    return (await transport.exec(f"echo {n}")).stdout

            outputs = await asyncio.gather(*(job(n) for n in range(100)))
            stats = queue.statistics()
        assert outputs == [f"{n}\n" for n in range(100)]
        assert stats.connections_opened == {"gftest@sshd": 1}
        assert stats.requests_served == {"gftest@sshd": 100}
        assert await connections_from(ssh_env, address) == 1

    asyncio.run(scenario())


def test_after_the_idle_close_reconnects_are_spaced_by_the_safe_interval(ssh_env):
    settings = ssh_settings(ssh_env)
    address = str(settings.bind_address)
    opened_at: list[float] = []

    def factory() -> Transport:
        # The keeper calls the factory right before open(): this is the open time.
        opened_at.append(time.monotonic())
        return SshTransport(settings)

    async def burst(queue: TransportQueue, size: int) -> None:
        async def job() -> None:
            async with queue.request("gftest@sshd", factory, SAFE_INTERVAL) as transport:
                assert (await transport.exec("true")).retval == 0

        await asyncio.gather(*(job() for _ in range(size)))

    async def scenario() -> None:
        async with TransportQueue(keep_open=KEEP_OPEN) as queue:
            for expected in (1, 2, 3):
                await burst(queue, 20)

                async def idle_closed() -> bool:
                    return not queue.statistics().open_keys

                await eventually(idle_closed, what="the idle close")
                assert await connections_from(ssh_env, address) == expected
            stats = queue.statistics()
        assert stats.connections_opened == {"gftest@sshd": 3}
        gaps = [later - earlier for earlier, later in itertools.pairwise(opened_at)]
        assert all(gap >= SAFE_INTERVAL for gap in gaps), gaps

    asyncio.run(scenario())


def test_a_dead_connection_is_replaced_on_the_next_request(ssh_env):
    settings = ssh_settings(ssh_env)

    async def scenario() -> None:
        async with TransportQueue(keep_open=5.0) as queue:
            key = "gftest@sshd"
            async with queue.request(key, lambda: SshTransport(settings), 0.1) as first:
                with contextlib.suppress(TransportError):
                    await first.exec("kill -s TERM $PPID")  # sshd's process for us

            async def dead() -> bool:
                return not first.is_open

            await eventually(dead, what="noticing the dropped connection")
            async with queue.request(key, lambda: SshTransport(settings), 0.1) as second:
                assert second is not first
                assert (await second.exec("echo again")).stdout == "again\n"
        assert await connections_from(ssh_env, str(settings.bind_address)) == 2

    asyncio.run(scenario())


def test_a_failing_open_reaches_every_waiter(ssh_env):
    settings = ssh_settings(ssh_env, port=1)

    async def scenario() -> None:
        async with TransportQueue() as queue:

            async def job() -> None:
                async with queue.request("nowhere", lambda: SshTransport(settings), 5.0):
                    pass

            results = await asyncio.gather(*(job() for _ in range(10)), return_exceptions=True)
            stats = queue.statistics()
        assert all(isinstance(result, TransportError) for result in results), results
        assert all("127.0.0.1:1: cannot connect" in str(result) for result in results)
        assert stats.connections_opened == {"nowhere": 1}
        assert stats.open_failures == {"nowhere": 1}

    asyncio.run(scenario())
