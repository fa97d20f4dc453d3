"""Grid Engine 8.1.9 through the SSH transport: submit, wait with the JobManager, exit codes.

A finished Grid Engine job leaves ``qstat`` at once, so the JobManager reports ``None``
(no longer listed) and the exit status comes from ``qacct`` and the exit-code file.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._cluster import Computer

pytestmark = [pytest.mark.requires_ssh, pytest.mark.requires_sge]


def test_a_job_that_succeeds(sge: Computer):
    async def scenario() -> None:
        async with sge.session() as session:
            job = await session.submit("gf-ok", ["echo hello from sge"])
            assert await session.wait_done(job) is None
            assert await session.exit_code_file(job) == 0
            assert await session.scheduler_exit_code(job) == 0
            output = await session.run("cat _scheduler-stdout.txt", workdir=job.workdir)
            assert output.stdout == "hello from sge\n"

    asyncio.run(scenario())


def test_a_job_that_fails_with_exit_7(sge: Computer):
    async def scenario() -> None:
        async with sge.session() as session:
            job = await session.submit("gf-fail", ["sh -c 'exit 7'"])
            assert await session.wait_done(job) is None
            assert await session.exit_code_file(job) == 7
            assert await session.scheduler_exit_code(job) == 7

    asyncio.run(scenario())


def test_a_job_killed_with_the_kill_command(sge: Computer):
    async def scenario() -> None:
        async with sge.session() as session:
            job = await session.submit("gf-kill", ["touch started", "sleep 120"])
            await session.wait_started(job, "started")
            await session.kill(job)
            assert await session.wait_done(job) is None
            assert await session.exit_code_file(job) is None
            assert await session.scheduler_exit_code(job) == 137  # SIGKILL from qdel

    asyncio.run(scenario())
