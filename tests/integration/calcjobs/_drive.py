"""Computers for the tests, and driving jobs in this interpreter's runner: start without
blocking, wait, play, kill, read the reports."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from graphflow import Code, Computer, _loop
from graphflow.engine import alogs, get_runner
from graphflow.errors import NotExistentError
from graphflow.orm import ProcessNode, get_backend, load_node

if TYPE_CHECKING:
    from collections.abc import Callable

    from graphflow.engine import Process
    from graphflow.engine._runner import ProcessHandle

#: how long a job on these idle test machines may take before the test fails
JOB_DEADLINE = 90.0
RETRY_INTERVAL = 0.2
MAX_ATTEMPTS = 3


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def ssh_computer(
    env: dict[str, str],
    scheduler: str,
    *,
    safe_interval: float = 0.5,
    poll_interval: float = 0.5,
    **settings: Any,
) -> Computer:
    """A computer reached through the suite's sshd from an address of its own (so sshd's
    log lines from it are this computer's alone)."""
    from ..transports._services import unique_loopback

    computer = Computer(
        unique(f"ssh-{scheduler}"),
        hostname=env["SSH_HOST"],
        transport="ssh",
        scheduler=scheduler,
        workdir="~/graphflow-tests/jobs",
        safe_interval=safe_interval,
        poll_interval=poll_interval,
    ).store()
    return computer.configure(
        **{
            "username": env["SSH_USER"],
            "port": int(env["SSH_PORT"]),
            "key_file": env["SSH_KEY_FILE"],
            "known_hosts": env["SSH_KNOWN_HOSTS"],
            "ssh_config": False,
            "bind_address": unique_loopback(),
            **settings,
        }
    )


def bash_on(computer: Computer) -> Code:
    return Code(label="bash", computer=computer, executable="/bin/bash").store()


def launch(process_class: type[Process], **inputs: Any) -> ProcessHandle:
    """Start a process in the runner and return its handle at once (``run`` would block)."""
    process = process_class(inputs)

    async def start() -> ProcessHandle:
        return (await get_runner()).start(process)

    return _loop.call(start())


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = JOB_DEADLINE) -> None:
    """Poll ``predicate`` from the test's thread (so it may read the store) until it holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout} s")
        time.sleep(0.05)


def wait_terminated(handle: ProcessHandle, timeout: float = JOB_DEADLINE) -> ProcessNode:
    async def done() -> None:
        await asyncio.wait_for(asyncio.shield(handle.terminated), timeout)

    try:
        _loop.call(done())
    except TimeoutError:
        pytest.fail(f"{handle.node._ident()} did not terminate within {timeout} s")
    return handle.node


def wait_paused(handle: ProcessHandle, timeout: float = JOB_DEADLINE) -> None:
    """Until the store says the job is paused (what a user would see)."""

    def paused() -> bool:
        try:
            node = load_node(handle.node.uuid)
        except NotExistentError:  # its creation is not committed yet
            return False
        return isinstance(node, ProcessNode) and node.paused

    wait_for(paused, f"{handle.node._ident()} pausing", timeout)


def play(handle: ProcessHandle) -> None:
    async def go() -> None:
        await (await get_runner()).play(handle.node.uuid)

    _loop.call(go())


def kill(handle: ProcessHandle, message: str = "killed by the test") -> None:
    async def go() -> None:
        await (await get_runner()).kill(handle.node.uuid, message)

    _loop.call(go())


def reports(node: ProcessNode) -> str:
    """The node's log, one message per line."""

    async def load() -> str:
        return "\n".join(record.message for record in await alogs(await get_backend(), node))

    return _loop.call(load())
