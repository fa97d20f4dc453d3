"""The real services started by ``scripts/services/services.sh``, as the tests see them.

Shared by the transport and scheduler integration tests. A missing or stale
``env.json`` fails the test with the command that fixes it; it never skips (style 12.2).
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import random
import uuid
from typing import TYPE_CHECKING

import pytest

from graphflow.transports import SshSettings

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

START = "scripts/services/services.sh start sshd slurm sge"
_REQUIRED = {
    "ssh": ("SSH_HOST", "SSH_PORT", "SSH_USER", "SSH_KEY_FILE", "SSH_KNOWN_HOSTS", "SSH_LOG"),
    "slurm": ("SLURM_CONF",),
    "sge": ("SGE_ROOT", "SGE_CELL"),
}
_PIDS = {"ssh": ("SSH_PID",), "slurm": ("SLURMCTLD_PID", "SLURMD_PID"), "sge": ("SGE_QMASTER_PID",)}


def env_path() -> pathlib.Path:
    root = os.environ.get("GRAPHFLOW_SERVICES_DIR", "/tmp/graphflow-services")
    return pathlib.Path(root) / "env.json"


def _alive(pid: str) -> bool:
    # /proc/PID/stat, not kill -0: PID 1 here reaps late, so a dead daemon may be a zombie.
    try:
        fields = pathlib.Path(f"/proc/{int(pid)}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, ValueError, IndexError):
        return False
    return fields[0] != "Z"


def load_services(*services: str) -> dict[str, str]:
    """``env.json`` once the named services are running; fails the test otherwise."""
    path = env_path()
    try:
        env: dict[str, str] = json.loads(path.read_text())
    except FileNotFoundError:
        pytest.fail(f"{path} is missing: the services are not started; run `{START}`")
    for service in services:
        missing = [key for key in _REQUIRED[service] if not env.get(key)]
        if missing:
            pytest.fail(f"{path} has no {', '.join(missing)}: run `{START}`")
        dead = [key for key in _PIDS[service] if not _alive(env.get(key, ""))]
        if dead:
            pytest.fail(
                f"{service} is not running ({', '.join(dead)} in {path} is dead): run `{START}`"
            )
    return env


def unique_loopback() -> str:
    """A 127.x.y.z address for one test: sshd's log lines from it are that test's alone."""
    return f"127.{random.randrange(64, 250)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def ssh_settings(env: dict[str, str], **overrides: object) -> SshSettings:
    """Settings for ``gftest`` at the test sshd; no ~/.ssh/config, strict host keys."""
    fields: dict[str, object] = {
        "host": env["SSH_HOST"],
        "port": int(env["SSH_PORT"]),
        "username": env["SSH_USER"],
        "key_file": env["SSH_KEY_FILE"],
        "known_hosts": env["SSH_KNOWN_HOSTS"],
        "ssh_config": False,
        "bind_address": unique_loopback(),
        "connect_timeout": 10.0,
        "default_timeout": 60.0,
    }
    fields.update(overrides)
    return SshSettings(**fields)  # type: ignore[arg-type]


def _count_lines(path: str, needle: str) -> int:
    with open(path, errors="replace") as log:
        return sum(1 for line in log if needle in line)


async def connections_from(env: dict[str, str], address: str) -> int:
    """``Connection from ADDRESS`` lines in sshd's log: TCP connections it accepted from us.

    sshd logs the line when it accepts the connection, before authentication, so every
    connection a finished ``open()`` made is already counted.
    """
    return await asyncio.to_thread(_count_lines, env["SSH_LOG"], f"Connection from {address} port ")


def remote_scratch(home: str) -> str:
    """A fresh directory name under the remote home for one test."""
    return f"{home}/graphflow-tests/{uuid.uuid4().hex[:12]}"


async def eventually(
    predicate: Callable[[], Awaitable[bool]], *, within: float = 10.0, what: str = "condition"
) -> None:
    """Poll ``predicate`` every 20 ms until it holds; fail after ``within`` seconds.

    For state outside this process (a remote file, a process table, sshd's log) that
    nothing can notify us about. It returns as soon as the state is reached, so it adds
    no fixed delay.
    """
    try:
        async with asyncio.timeout(within):
            while True:
                if await predicate():
                    return
                await asyncio.sleep(0.02)
    except TimeoutError:
        pytest.fail(f"{what} did not happen within {within} s")
