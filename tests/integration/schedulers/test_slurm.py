"""SLURM 22.05 through the SSH transport: submit, wait with the JobManager, exit codes.

MinJobAge is 10 s here, so each job is still listed by ``squeue`` when it ends and the
JobManager sees its final state; exit codes are then read three ways and compared.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._cluster import Computer

pytestmark = [pytest.mark.requires_ssh, pytest.mark.requires_slurm]


def test_a_job_that_succeeds(slurm: Computer):
    async def scenario() -> None:
        async with slurm.session() as session:
            job = await session.submit("gf-ok", ["echo hello from slurm"])
            info = await session.wait_done(job)
            assert info is not None, "SLURM forgot the job before it was seen done"
            assert (info.raw_state, info.exit_code) == ("COMPLETED", 0)
            assert await session.exit_code_file(job) == 0
            assert await session.scheduler_exit_code(job) == 0
            output = await session.run("cat _scheduler-stdout.txt", workdir=job.workdir)
            assert output.stdout == "hello from slurm\n"

    asyncio.run(scenario())


def test_a_job_that_fails_with_exit_7(slurm: Computer):
    async def scenario() -> None:
        async with slurm.session() as session:
            job = await session.submit("gf-fail", ["sh -c 'exit 7'"])
            info = await session.wait_done(job)
            assert info is not None
            assert (info.raw_state, info.exit_code) == ("FAILED", 7)
            assert await session.exit_code_file(job) == 7
            assert await session.scheduler_exit_code(job) == 7

    asyncio.run(scenario())


def test_a_job_killed_with_the_kill_command(slurm: Computer):
    async def scenario() -> None:
        async with slurm.session() as session:
            job = await session.submit("gf-kill", ["touch started", "sleep 120"])
            await session.wait_started(job, "started")
            await session.kill(job)
            info = await session.wait_done(job)
            assert info is not None
            assert (info.raw_state, info.exit_code) == ("CANCELLED", 143)  # SIGTERM
            # The script never reached the line that saves the exit code, and SLURM's
            # job-completion file says 0:0 for cancelled jobs, which is not believed.
            assert await session.exit_code_file(job) is None
            assert await session.scheduler_exit_code(job) is None

    asyncio.run(scenario())


def test_jobs_waiting_together_are_polled_by_one_squeue(slurm: Computer):
    async def scenario() -> None:
        async with slurm.session() as session:
            jobs = [await session.submit(f"gf-bundle{n}", ["sleep 0.2"]) for n in range(4)]
            infos = await asyncio.gather(*(session.wait_done(job) for job in jobs))
            assert all(info is not None and info.raw_state == "COMPLETED" for info in infos)
            ids = sorted(job.job_id for job in jobs)
            assert session.polled[0] == ids, "the first poll did not carry every job"
            assert all(polled == ids for polled in session.polled[:2])
            stats = session.manager.statistics()
            waits = sum(len(job.seen) for job in jobs)
            assert stats.polls[slurm.key] < waits, "a poll per job instead of per interval"
            for job in jobs:
                assert await session.exit_code_file(job) == 0
            queue_stats = session.queue.statistics()
            assert queue_stats.connections_opened == {slurm.key: 1}

    asyncio.run(scenario())
