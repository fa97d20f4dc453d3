"""The direct scheduler through LocalTransport and through SSH: background jobs and ``ps``.

Nothing remembers a finished direct job: it leaves ``ps`` (``None``) or lingers as a
zombie (DONE), and only the exit-code file holds its exit code.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from graphflow.schedulers import DirectScheduler, JobState
from graphflow.transports import LocalTransport

from ._cluster import Computer, Job, Session

if TYPE_CHECKING:
    import pathlib


@pytest.fixture(
    params=[
        pytest.param("local"),
        pytest.param("ssh", marks=pytest.mark.requires_ssh),
    ]
)
def direct(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Computer:
    if request.param == "local":
        return Computer("direct-local", LocalTransport, DirectScheduler(), str(tmp_path))
    computer: Computer = request.getfixturevalue("direct_over_ssh")
    return computer


async def _left_in_its_group(session: Session, job: Job) -> list[str]:
    """The job's process group's processes still alive (zombies only wait for PID 1 here,
    which reaps late)."""
    table = await session.run("ps -e -o pgid=,stat=,args=")
    return [
        line
        for line in table.stdout.splitlines()
        if line.split()[0] == job.job_id and not line.split()[1].startswith("Z")
    ]


@pytest.mark.parametrize(
    ("command", "expected"),
    [(["echo hello"], 0), (["sh -c 'exit 7'"], 7)],
    ids=["succeeds", "fails-with-7"],
)
def test_a_job_runs_to_its_exit_code(direct: Computer, command: list[str], expected: int):
    async def scenario() -> None:
        async with direct.session() as session:
            job = await session.submit("gf-direct", command)
            info = await session.wait_done(job)
            assert info is None or info.state is JobState.DONE
            assert await session.exit_code_file(job) == expected
            assert await session.scheduler_exit_code(job) is None  # direct has no records

    asyncio.run(scenario())


def test_a_job_killed_with_the_kill_command(direct: Computer):
    async def scenario() -> None:
        async with direct.session() as session:
            job = await session.submit("gf-direct-kill", ["touch started", "sleep 120"])
            await session.wait_started(job, "started")
            await session.kill(job)
            info = await session.wait_done(job)
            assert info is None or info.state is JobState.DONE
            assert await session.exit_code_file(job) is None
            # the whole process group went: the sleep the script started is gone too
            assert await _left_in_its_group(session, job) == []

    asyncio.run(scenario())


def test_a_job_past_its_wall_clock_limit_is_stopped_and_says_so(direct: Computer):
    """The direct scheduler enforces max_wallclock_seconds itself: the command is stopped
    (SIGTERM, exit status 143, recorded by the script), stderr says why, and nothing of
    the job's process group is left."""

    async def scenario() -> None:
        async with direct.session() as session:
            started = asyncio.get_running_loop().time()
            job = await session.submit("gf-direct-wall", ["sleep 120"], max_wallclock_seconds=2)
            await session.wait_done(job)
            assert asyncio.get_running_loop().time() - started < 60
            assert await session.exit_code_file(job) == 143
            stderr = await session.run(f"cat {job.workdir}/_scheduler-stderr.txt")
            assert "ran past max_wallclock_seconds (2 s) and was stopped" in stderr.stdout
            assert await _left_in_its_group(session, job) == []

    asyncio.run(scenario())


def test_a_job_within_its_wall_clock_limit_leaves_no_watchdog(direct: Computer):
    async def scenario() -> None:
        async with direct.session() as session:
            job = await session.submit(
                "gf-direct-quick", ["sh -c 'exit 3'"], max_wallclock_seconds=600
            )
            await session.wait_done(job)
            assert await session.exit_code_file(job) == 3
            assert await _left_in_its_group(session, job) == []

    asyncio.run(scenario())
