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


def test_a_job_past_its_wall_clock_limit_runs_to_its_end_as_in_aiida(direct: Computer):
    """AiiDA's direct scheduler does not enforce max_wallclock_seconds: the command runs
    on and its own exit status is recorded."""

    async def scenario() -> None:
        async with direct.session() as session:
            job = await session.submit(
                "gf-direct-wall", ["sh -c 'sleep 3; exit 4'"], max_wallclock_seconds=1
            )
            await session.wait_done(job)
            assert await session.exit_code_file(job) == 4
            assert await _left_in_its_group(session, job) == []

    asyncio.run(scenario())
