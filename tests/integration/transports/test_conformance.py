"""What every transport promises (style 9.2), checked on each implementation.

Command tests run on ``LocalTransport`` and on ``SshTransport`` to the real sshd as
``gftest``; file tests also run on the in-memory ``FakeTransport``, so the fake the
engine's unit tests use behaves like the real ones. Each test works in a fresh scratch
directory that is removed afterwards. A third-party transport joins by adding a target.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import posixpath
import uuid
from typing import TYPE_CHECKING

import pytest

from graphflow.errors import RemoteFileNotFoundError, TransportError, ValidationError
from graphflow.transports import (
    FakeComputer,
    LocalTransport,
    SshTransport,
    Transport,
)

from ._services import eventually, ssh_settings

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Awaitable, Callable

    Scenario = Callable[[Transport, str], Awaitable[None]]


@dataclasses.dataclass
class Target:
    """One transport kind, and where its scratch directories go."""

    kind: str
    make: Callable[[], Transport]
    scratch_base: Callable[[str], str]  # home -> base folder

    def run(self, scenario: Scenario) -> None:
        async def main() -> None:
            async with asyncio.timeout(120):  # a hang fails; nothing waits this long
                transport = self.make()
                await transport.open()
                try:
                    home = await transport.home()
                    root = posixpath.join(self.scratch_base(home), uuid.uuid4().hex[:12])
                    await transport.makedirs(root)
                    try:
                        await scenario(transport, root)
                    finally:
                        if transport.is_open:
                            await transport.rmtree(root)
                finally:
                    await transport.close()

        asyncio.run(main())


def _local(tmp_path: pathlib.Path) -> Target:
    return Target("local", LocalTransport, lambda home: str(tmp_path / "remote"))


def _ssh(request: pytest.FixtureRequest) -> Target:
    env = request.getfixturevalue("ssh_env")
    settings = ssh_settings(env)
    return Target("ssh", lambda: SshTransport(settings), lambda home: f"{home}/graphflow-tests")


def _fake() -> Target:
    computer = FakeComputer(home="/home/fake")
    return Target("fake", computer.transport, lambda home: f"{home}/scratch")


@pytest.fixture(
    params=[
        pytest.param("local"),
        pytest.param("ssh", marks=pytest.mark.requires_ssh),
    ]
)
def commands(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Target:
    """A transport that really runs commands."""
    return _local(tmp_path) if request.param == "local" else _ssh(request)


@pytest.fixture(
    params=[
        pytest.param("local"),
        pytest.param("ssh", marks=pytest.mark.requires_ssh),
        pytest.param("fake"),
    ]
)
def files(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Target:
    """A transport whose file operations are checked."""
    if request.param == "local":
        return _local(tmp_path)
    if request.param == "ssh":
        return _ssh(request)
    return _fake()


async def _wait_process_gone(transport: Transport, pid: int) -> None:
    """Wait until ``pid`` has ended (gone, or a zombie nobody reaped yet); fail after 5 s."""

    async def gone() -> bool:
        state = (await transport.exec(f"ps -o stat= -p {pid}")).stdout.strip()
        return not state or state.startswith("Z")

    await eventually(gone, within=5, what=f"the end of process {pid}")


# --- commands -------------------------------------------------------------------------


def test_exec_returns_exit_status_stdout_and_stderr(commands: Target):
    async def scenario(transport: Transport, root: str) -> None:
        result = await transport.exec("printf 'out\\n'; printf 'err\\n' >&2; exit 3")
        assert (result.retval, result.stdout, result.stderr) == (3, "out\n", "err\n")
        assert (await transport.exec("true")).retval == 0

    commands.run(scenario)


def test_exec_runs_sh_without_a_login_shell(commands: Target):
    async def scenario(transport: Transport, root: str) -> None:
        result = await transport.exec('echo "$0"; case "$-" in *l*) echo login;; esac')
        assert result.stdout == "/bin/sh\n"

    commands.run(scenario)


def test_exec_runs_in_the_working_directory(commands: Target):
    async def scenario(transport: Transport, root: str) -> None:
        await transport.makedirs(f"{root}/with space")
        result = await transport.exec("pwd; ls", workdir=f"{root}/with space")
        assert result.stdout == f"{root}/with space\n"
        home = await transport.home()
        if commands.kind == "ssh":
            assert (await transport.exec("pwd")).stdout == f"{home}\n"

    commands.run(scenario)


def test_exec_in_a_missing_working_directory_names_it(commands: Target):
    async def scenario(transport: Transport, root: str) -> None:
        with pytest.raises(RemoteFileNotFoundError, match=f"{root}/nowhere"):
            await transport.exec("true", workdir=f"{root}/nowhere")
        await transport.write_bytes(f"{root}/file", b"")
        with pytest.raises(TransportError) as caught:
            await transport.exec("true", workdir=f"{root}/file")
        assert not isinstance(caught.value, RemoteFileNotFoundError)
        assert f"{root}/file" in str(caught.value)

    commands.run(scenario)


def test_exec_feeds_stdin_and_closes_it(commands: Target):
    async def scenario(transport: Transport, root: str) -> None:
        result = await transport.exec("cat", stdin=b"line one\nline two\n")
        assert result.stdout == "line one\nline two\n"
        big = os.urandom(3 << 20)
        result = await transport.exec("wc -c", stdin=big)
        assert result.stdout.strip() == str(len(big))
        # No stdin: the command reads EOF at once instead of hanging.
        assert (await transport.exec("cat", timeout=10)).stdout == ""

    commands.run(scenario)


def test_exec_output_that_is_not_utf8_is_replaced_not_fatal(commands: Target):
    async def scenario(transport: Transport, root: str) -> None:
        result = await transport.exec("printf 'caf\\303\\251 \\377\\n'")
        assert result.stdout == "café \ufffd\n"

    commands.run(scenario)


def test_exec_reports_a_signal_as_128_plus_its_number(commands: Target):
    async def scenario(transport: Transport, root: str) -> None:
        result = await transport.exec("kill -s TERM $$")
        assert result.retval == 143

    commands.run(scenario)


def test_exec_timeout_kills_the_command_and_its_children(commands: Target):
    async def scenario(transport: Transport, root: str) -> None:
        pidfile = f"{root}/pid"
        # The child's stdio is not the command's: only a group kill can end it.
        command = f"sleep 60 </dev/null >/dev/null 2>&1 & echo $! > {pidfile}; wait"
        with pytest.raises(TransportError, match=r"timed out after 0.5 s and was killed"):
            await transport.exec(command, timeout=0.5)
        pid = int((await transport.read_bytes(pidfile)).decode())
        await _wait_process_gone(transport, pid)

    commands.run(scenario)


def test_exec_cancelled_kills_the_command(commands: Target):
    async def scenario(transport: Transport, root: str) -> None:
        pidfile = f"{root}/pid"
        command = f"sleep 60 </dev/null >/dev/null 2>&1 & echo $! > {pidfile}; wait"
        task = asyncio.create_task(transport.exec(command))

        async def started() -> bool:
            return await transport.exists(pidfile) and bool(
                (await transport.read_bytes(pidfile)).strip()
            )

        await eventually(started, what="the command's start")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        pid = int((await transport.read_bytes(pidfile)).decode())
        await _wait_process_gone(transport, pid)

    commands.run(scenario)


def test_concurrent_commands_on_one_transport(commands: Target):
    async def scenario(transport: Transport, root: str) -> None:
        results = await asyncio.gather(*(transport.exec(f"echo {n}") for n in range(60)))
        assert [result.stdout for result in results] == [f"{n}\n" for n in range(60)]

    commands.run(scenario)


def test_write_bytes_mode_makes_a_runnable_script(commands: Target):
    async def scenario(transport: Transport, root: str) -> None:
        await transport.write_bytes(f"{root}/job.sh", b"#!/bin/sh\necho ran\n", mode=0o750)
        result = await transport.exec("./job.sh; stat -c %a job.sh", workdir=root)
        assert result.stdout == "ran\n750\n"

    commands.run(scenario)


# --- files ----------------------------------------------------------------------------


def test_write_and_read_bytes_round_trip_binary(files: Target):
    async def scenario(transport: Transport, root: str) -> None:
        data = bytes(range(256)) * 64
        await transport.write_bytes(f"{root}/blob", data)
        assert await transport.read_bytes(f"{root}/blob") == data
        await transport.write_bytes(f"{root}/blob", b"short")
        assert await transport.read_bytes(f"{root}/blob") == b"short"
        await transport.write_bytes(f"{root}/empty", b"")
        assert await transport.read_bytes(f"{root}/empty") == b""

    files.run(scenario)


def test_put_and_get_copy_files(files: Target, tmp_path: pathlib.Path):
    async def scenario(transport: Transport, root: str) -> None:
        source = tmp_path / "local-in.bin"
        data = os.urandom((3 << 20) + 17)  # several transfer chunks
        await asyncio.to_thread(source.write_bytes, data)
        await transport.put(source, f"{root}/copy.bin")
        assert await transport.read_bytes(f"{root}/copy.bin") == data
        target = tmp_path / "local-out.bin"
        await transport.get(f"{root}/copy.bin", target)
        assert await asyncio.to_thread(target.read_bytes) == data

    files.run(scenario)


def test_put_tree_and_get_tree_copy_directories(files: Target, tmp_path: pathlib.Path):
    tree = {"a.txt": b"a", "sub/b.txt": b"b", "sub/deeper/c.bin": bytes(range(10))}

    def make_tree(top: pathlib.Path) -> None:
        for name, data in tree.items():
            (top / name).parent.mkdir(parents=True, exist_ok=True)
            (top / name).write_bytes(data)
        (top / "empty").mkdir()

    def read_tree(top: pathlib.Path) -> dict[str, bytes]:
        return {
            str(path.relative_to(top)): path.read_bytes()
            for path in top.rglob("*")
            if path.is_file()
        }

    async def scenario(transport: Transport, root: str) -> None:
        source = tmp_path / "tree-in"
        await asyncio.to_thread(make_tree, source)
        await transport.put_tree(source, f"{root}/tree")
        assert await transport.listdir(f"{root}/tree") == ["a.txt", "empty", "sub"]
        assert await transport.read_bytes(f"{root}/tree/sub/deeper/c.bin") == bytes(range(10))
        assert await transport.is_dir(f"{root}/tree/empty")
        back = tmp_path / "tree-out"
        await transport.get_tree(f"{root}/tree", back)
        assert await asyncio.to_thread(read_tree, back) == tree
        assert await asyncio.to_thread((back / "empty").is_dir)

    files.run(scenario)


def test_makedirs_nested_and_existing(files: Target):
    async def scenario(transport: Transport, root: str) -> None:
        await transport.makedirs(f"{root}/a/b/c")
        await transport.makedirs(f"{root}/a/b/c")  # exist ok
        assert await transport.is_dir(f"{root}/a/b/c")
        await transport.write_bytes(f"{root}/a/file", b"x")
        with pytest.raises(TransportError) as caught:
            await transport.makedirs(f"{root}/a/file/d")
        assert f"{root}/a/file" in str(caught.value)

    files.run(scenario)


def test_listdir_exists_and_is_dir(files: Target):
    async def scenario(transport: Transport, root: str) -> None:
        await transport.makedirs(f"{root}/dir")
        await transport.write_bytes(f"{root}/b.txt", b"b")
        await transport.write_bytes(f"{root}/a.txt", b"a")
        assert await transport.listdir(root) == ["a.txt", "b.txt", "dir"]
        assert await transport.listdir(f"{root}/dir") == []
        assert await transport.exists(f"{root}/a.txt")
        assert await transport.exists(f"{root}/dir")
        assert not await transport.exists(f"{root}/missing")
        assert await transport.is_dir(f"{root}/dir")
        assert not await transport.is_dir(f"{root}/a.txt")
        assert not await transport.is_dir(f"{root}/missing")

    files.run(scenario)


def test_remove_and_rmtree(files: Target):
    async def scenario(transport: Transport, root: str) -> None:
        await transport.write_bytes(f"{root}/file", b"x")
        await transport.remove(f"{root}/file")
        assert not await transport.exists(f"{root}/file")
        await transport.makedirs(f"{root}/tree/sub")
        await transport.write_bytes(f"{root}/tree/sub/file", b"x")
        with pytest.raises(TransportError):
            await transport.remove(f"{root}/tree")  # a directory needs rmtree
        await transport.rmtree(f"{root}/tree")
        assert not await transport.exists(f"{root}/tree")
        assert await transport.listdir(root) == []

    files.run(scenario)


@pytest.mark.parametrize(
    "operation",
    ["read_bytes", "get", "listdir", "remove", "rmtree", "write_bytes", "put"],
)
def test_a_missing_path_raises_remote_file_not_found_naming_it(
    files: Target, operation: str, tmp_path: pathlib.Path
):
    async def scenario(transport: Transport, root: str) -> None:
        missing = f"{root}/no/such/thing"
        local = tmp_path / "local.bin"
        await asyncio.to_thread(local.write_bytes, b"x")
        calls = {
            "read_bytes": lambda: transport.read_bytes(missing),
            "get": lambda: transport.get(missing, tmp_path / "out.bin"),
            "listdir": lambda: transport.listdir(missing),
            "remove": lambda: transport.remove(missing),
            "rmtree": lambda: transport.rmtree(missing),
            "write_bytes": lambda: transport.write_bytes(missing, b"x"),  # parent missing
            "put": lambda: transport.put(local, missing),  # parent missing
        }
        with pytest.raises(RemoteFileNotFoundError) as caught:
            await calls[operation]()
        assert missing in str(caught.value)
        assert caught.value.retryable is False

    files.run(scenario)


def test_relative_paths_are_refused(files: Target):
    async def scenario(transport: Transport, root: str) -> None:
        with pytest.raises(ValidationError, match="absolute"):
            await transport.read_bytes("relative/path")

    files.run(scenario)


def test_home_is_an_absolute_directory(files: Target):
    async def scenario(transport: Transport, root: str) -> None:
        home = await transport.home()
        assert home.startswith("/")
        assert await transport.is_dir(home)
        if files.kind == "ssh":
            assert home == "/home/gftest"
        if files.kind == "local":
            assert home == await asyncio.to_thread(os.path.expanduser, "~")

    files.run(scenario)


def test_operations_on_a_closed_transport_raise_transport_error(files: Target):
    async def scenario(transport: Transport, root: str) -> None:
        await transport.write_bytes(f"{root}/file", b"x")
        await transport.close()
        assert not transport.is_open
        with pytest.raises(TransportError, match="not open"):
            await transport.read_bytes(f"{root}/file")
        await transport.close()  # idempotent
        await transport.open()
        assert await transport.read_bytes(f"{root}/file") == b"x"

    files.run(scenario)
