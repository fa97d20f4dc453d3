"""`graphflow profile delete`: refused while the daemon runs, then everything the profile
had outside its configuration entry is gone: its embedded store, its broker queues and
exchanges, its folder."""

from __future__ import annotations

import asyncio
import os
import subprocess
from typing import TYPE_CHECKING

import aio_pika
import psutil
import pytest
from support.daemon import GRAPHFLOW, queue_prefix_of
from support.stores import on_neo4j

from graphflow import config

from .conftest import running_daemon

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.usefixtures("backend")  # the session's default profile exists first


def _exists_on_broker(url: str, queue: str) -> bool:
    async def look() -> bool:
        connection = await aio_pika.connect(url)
        async with connection:
            channel = await connection.channel()
            try:
                await channel.declare_queue(queue, passive=True)
            except aio_pika.exceptions.ChannelNotFoundEntity:
                return False
            return True

    return asyncio.run(look())


def _processes_under(folder: Path) -> list[int]:
    return [
        process.info["pid"]
        for process in psutil.process_iter(["pid", "cmdline"])
        if any(str(folder) in part for part in process.info["cmdline"] or [])
    ]


def test_delete_waits_for_the_daemon_then_leaves_nothing_behind(
    graphflow_home: Path, amqp_url: str
) -> None:
    with running_daemon(graphflow_home, amqp_url, workers=1) as daemon:
        name = daemon.profile
        prefix = queue_prefix_of(name)
        refused = daemon.cli("profile", "delete", name, "--yes")
        assert refused.returncode == 1
        assert f"the daemon of profile {name!r} is running" in refused.stderr
        assert f"graphflow -p {name} daemon stop" in refused.stderr
        assert "nothing was deleted" in refused.stderr
        assert name in config.load_config().profiles
        assert _exists_on_broker(amqp_url, f"{prefix}.tasks")
    folder = graphflow_home / "profiles" / name
    assert folder.exists()
    # the store of the profile may still run (started by this interpreter or a command)
    env = {**os.environ, "GRAPHFLOW_HOME": str(graphflow_home)}
    subprocess.run([GRAPHFLOW, "-p", name, "status"], env=env, capture_output=True, timeout=120)
    done = subprocess.run(
        [GRAPHFLOW, "profile", "delete", name, "--yes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert name not in config.load_config().profiles
    assert not folder.exists()
    assert _processes_under(folder) == []  # its embedded server was stopped
    if on_neo4j():  # a profile of that name on another host may share the store's queues
        assert "Its broker queues are left" in done.stdout
        assert _exists_on_broker(amqp_url, f"{prefix}.tasks")
    else:
        assert f"queue {prefix}.tasks" in done.stdout
        assert not _exists_on_broker(amqp_url, f"{prefix}.tasks")
