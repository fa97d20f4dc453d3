"""SshTransport against the real sshd: failures named clearly, configuration, jump hosts,
the channel bound, and a connection that dies under us."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import TYPE_CHECKING

import asyncssh
import pytest

from graphflow.errors import TransportError
from graphflow.transports import SshTransport

from ._services import connections_from, eventually, ssh_settings

if TYPE_CHECKING:
    import pathlib

pytestmark = pytest.mark.requires_ssh


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _connect_error(transport: SshTransport) -> str:
    async def attempt() -> str:
        with pytest.raises(TransportError) as caught:
            await transport.open()
        assert not transport.is_open
        assert caught.value.retryable
        assert caught.value.__cause__ is not None, "not chained to the asyncssh/OS error"
        return str(caught.value)

    return asyncio.run(attempt())


def test_nothing_listening_names_host_port_and_refusal(ssh_env):
    port = _free_port()
    message = _connect_error(SshTransport(ssh_settings(ssh_env, port=port)))
    assert f"gftest@127.0.0.1:{port}" in message
    assert "connection refused" in message


def test_wrong_key_names_host_port_and_authentication(ssh_env, tmp_path: pathlib.Path):
    other_key = tmp_path / "other_ed25519"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(other_key))
    settings = ssh_settings(ssh_env, key_file=str(other_key))
    message = _connect_error(SshTransport(settings))
    assert f"gftest@127.0.0.1:{ssh_env['SSH_PORT']}" in message
    assert "authentication failed" in message
    assert str(other_key) in message
    assert asyncio.run(connections_from(ssh_env, str(settings.bind_address))) == 1


def test_unknown_host_key_names_host_port_and_known_hosts(ssh_env, tmp_path: pathlib.Path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    message = _connect_error(SshTransport(ssh_settings(ssh_env, known_hosts=str(empty))))
    assert f"gftest@127.0.0.1:{ssh_env['SSH_PORT']}" in message
    assert "host key not verifiable" in message
    assert str(empty) in message


def test_connect_timeout_is_a_transport_error(ssh_env):
    # A listener that accepts TCP but never speaks SSH.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        settings = ssh_settings(ssh_env, port=port, connect_timeout=0.3)
        message = _connect_error(SshTransport(settings))
    assert f"127.0.0.1:{port}" in message
    assert "timed out after 0.3 s" in message


def test_host_alias_from_an_ssh_config_file(ssh_env, tmp_path: pathlib.Path):
    config = tmp_path / "ssh_config"
    config.write_text(
        "Host graphflow-test-alias\n"
        f"  HostName {ssh_env['SSH_HOST']}\n"
        f"  Port {ssh_env['SSH_PORT']}\n"
        f"  User {ssh_env['SSH_USER']}\n"
        f"  IdentityFile {ssh_env['SSH_KEY_FILE']}\n"
        f"  UserKnownHostsFile {ssh_env['SSH_KNOWN_HOSTS']}\n"
    )
    settings = ssh_settings(
        ssh_env,
        host="graphflow-test-alias",
        port=None,
        username=None,
        key_file=None,
        known_hosts=None,
        ssh_config=str(config),
    )

    async def scenario() -> None:
        async with SshTransport(settings) as transport:
            assert (await transport.exec("id -un")).stdout == "gftest\n"

    asyncio.run(scenario())


def test_proxy_jump_tunnels_through_the_jump_host(ssh_env):
    jump = ssh_settings(ssh_env)
    # Without a bind address: the final hop starts at the jump host, not here.
    settings = ssh_settings(ssh_env, bind_address=None, proxy_jump=jump)

    async def scenario() -> None:
        async with SshTransport(settings) as transport:
            result = await transport.exec('echo "$SSH_CONNECTION"')
            client_address = result.stdout.split()[0]
            # The target saw the jump host (sshd forwarding from loopback) as client.
            assert client_address == "127.0.0.1"
            assert await connections_from(ssh_env, str(jump.bind_address)) == 1
        assert not transport.is_open

    asyncio.run(scenario())


def test_channels_in_flight_never_exceed_max_sessions(ssh_env):
    settings = ssh_settings(ssh_env, max_sessions=3)

    async def scenario() -> None:
        async with SshTransport(settings) as transport:
            home = await transport.home()
            probe = f"{home}/graphflow-tests/sessions-{settings.bind_address}"
            await transport.makedirs(probe)
            # Each command marks itself present, counts the marks, lingers, unmarks.
            command = f'cd {probe} && touch "m.$$" && ls | wc -l && sleep 0.05 && rm "m.$$"'
            results = await asyncio.gather(*(transport.exec(command) for _ in range(24)))
            await transport.rmtree(probe)
        counts = [int(result.stdout) for result in results]
        assert max(counts) <= 3, counts

    asyncio.run(scenario())


def test_a_burst_over_sshds_max_sessions_succeeds(ssh_env):
    # sshd here allows 50 sessions per connection; 120 at once would get
    # ChannelOpenError without the semaphore.
    async def scenario() -> None:
        async with SshTransport(ssh_settings(ssh_env)) as transport:
            results = await asyncio.gather(*(transport.exec(f"echo {n}") for n in range(120)))
        assert [result.stdout for result in results] == [f"{n}\n" for n in range(120)]

    asyncio.run(scenario())


def test_a_dropped_connection_turns_is_open_false_and_fails_operations(ssh_env):
    async def scenario() -> None:
        async with SshTransport(ssh_settings(ssh_env)) as transport:
            # The parent of the user's shell is sshd's process for this connection. The
            # command may or may not report back before the connection goes.
            with contextlib.suppress(TransportError):
                await transport.exec("kill -s TERM $PPID")

            async def closed() -> bool:
                return not transport.is_open

            await eventually(closed, what="noticing the dropped connection")
            with pytest.raises(TransportError, match="not open"):
                await transport.exec("true")

    asyncio.run(scenario())
