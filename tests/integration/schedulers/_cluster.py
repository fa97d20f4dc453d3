"""A computer as the engine will drive it: transport queue, scheduler, job manager.

What the CalcJob engine does per job, done here with the real pieces: upload a job
script into a fresh working directory, submit it, wait for it with the ``JobManager``
(whose ``poll`` requests a transport from the ``TransportQueue`` and runs the
scheduler's status command), and read the exit code from the exit-code file and from
the scheduler's accounting.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import posixpath
import uuid
from typing import TYPE_CHECKING, Any

from graphflow.errors import RemoteFileNotFoundError
from graphflow.schedulers import (
    EXIT_CODE_FILENAME,
    JobInfo,
    JobManager,
    JobState,
    JobTemplate,
    Scheduler,
    parse_exit_code_file,
)
from graphflow.transports import CommandResult, Transport, TransportQueue

from ..transports._services import eventually

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping

POLL_INTERVAL = 0.25
SAFE_INTERVAL = 0.5
# A job that has not reached the state the test waits for by then is a failure.
JOB_DEADLINE = 60.0


@dataclasses.dataclass
class Job:
    """One submitted job and what was seen of it."""

    job_id: str
    workdir: str
    seen: list[JobInfo | None] = dataclasses.field(default_factory=list)

    @property
    def last(self) -> JobInfo | None:
        return self.seen[-1] if self.seen else None


@dataclasses.dataclass
class Computer:
    """Everything the engine would need to know about one computer."""

    key: str
    factory: Callable[[], Transport]
    scheduler: Scheduler
    scratch: str | None = None  # absolute; None: <home>/graphflow-tests

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[Session]:
        async with (
            asyncio.timeout(JOB_DEADLINE * 2),
            TransportQueue() as queue,
        ):
            session = Session(self, queue)
            async with JobManager(session.poll, min_interval=POLL_INTERVAL) as jobs:
                session.jobs = jobs
                yield session
                await session.cleanup()


class Session:
    """A computer in use: run commands, submit jobs, wait for them."""

    def __init__(self, computer: Computer, queue: TransportQueue) -> None:
        self.computer = computer
        self.queue = queue
        self.jobs: JobManager | None = None
        self.polled: list[list[str]] = []
        self._workdirs: list[str] = []

    @property
    def scheduler(self) -> Scheduler:
        return self.computer.scheduler

    @property
    def manager(self) -> JobManager:
        assert self.jobs is not None  # set by Computer.session
        return self.jobs

    async def run(self, command: str, workdir: str | None = None) -> CommandResult:
        """One command through the queue, as a transport task would."""
        async with self.queue.request(
            self.computer.key, self.computer.factory, SAFE_INTERVAL
        ) as transport:
            return await transport.exec(command, workdir=workdir, timeout=30)

    async def poll(self, key: str, job_ids: list[str]) -> Mapping[str, JobInfo]:
        """The JobManager's poll: one status command for every waiting job."""
        self.polled.append(list(job_ids))
        result = await self.run(self.scheduler.status_command(job_ids))
        return self.scheduler.parse_status_output(result.retval, result.stdout, result.stderr)

    async def submit(self, name: str, command: list[str], **options: Any) -> Job:
        """Upload a job script into a fresh working directory and submit it there;
        ``options`` are JobTemplate fields (``max_wallclock_seconds=2``)."""
        async with self.queue.request(
            self.computer.key, self.computer.factory, SAFE_INTERVAL
        ) as transport:
            base = self.computer.scratch or f"{await transport.home()}/graphflow-tests"
            workdir = posixpath.join(base, f"{name}-{uuid.uuid4().hex[:8]}")
            await transport.makedirs(workdir)
            self._workdirs.append(workdir)
            template = JobTemplate(
                job_name=name, working_directory=workdir, command=command, **options
            )
            await transport.write_bytes(
                f"{workdir}/job.sh", self.scheduler.job_script(template).encode()
            )
            result = await transport.exec(
                self.scheduler.submit_command("job.sh"), workdir=workdir, timeout=30
            )
        job_id = self.scheduler.parse_submit_output(result.retval, result.stdout, result.stderr)
        return Job(job_id, workdir)

    async def wait_until(self, job: Job, *states: JobState) -> JobInfo | None:
        """Wait for updates until the job is in one of ``states`` or no longer listed."""
        async with asyncio.timeout(JOB_DEADLINE):
            while True:
                info = await self.manager.wait_for_update(self.computer.key, job.job_id)
                job.seen.append(info)
                if info is None or info.state in states:
                    return info

    async def wait_started(self, job: Job, marker: str) -> JobInfo:
        """Until the scheduler says RUNNING and the script has created ``marker``.

        The scheduler's RUNNING (Grid Engine's ``t``, SLURM's prolog) may come before
        the script runs; a job killed then has nothing of its own to report.
        """
        info = await self.wait_until(job, JobState.RUNNING, JobState.DONE)
        assert info is not None, f"job {job.job_id} ended before it was seen running"
        assert info.state is JobState.RUNNING, info

        async def created() -> bool:
            async with self.queue.request(
                self.computer.key, self.computer.factory, SAFE_INTERVAL
            ) as transport:
                return await transport.exists(f"{job.workdir}/{marker}")

        await eventually(created, within=JOB_DEADLINE, what=f"job {job.job_id} starting")
        return info

    async def wait_done(self, job: Job) -> JobInfo | None:
        """Until the scheduler reports the job finished or forgets it."""
        return await self.wait_until(job, JobState.DONE)

    async def kill(self, job: Job) -> None:
        result = await self.run(self.scheduler.kill_command(job.job_id))
        self.scheduler.parse_kill_output(result.retval, result.stdout, result.stderr)

    async def exit_code_file(self, job: Job) -> int | None:
        """The exit code the job script saved, or None if it never got that far."""
        async with self.queue.request(
            self.computer.key, self.computer.factory, SAFE_INTERVAL
        ) as transport:
            try:
                text = await transport.read_bytes(f"{job.workdir}/{EXIT_CODE_FILENAME}")
            except RemoteFileNotFoundError:
                return None
        return parse_exit_code_file(text.decode())

    async def scheduler_exit_code(self, job: Job) -> int | None:
        """The exit code from the scheduler's accounting, or None if it has none."""
        command = self.scheduler.exit_status_command([job.job_id])
        if command is None:
            return None
        result = await self.run(command)
        codes = self.scheduler.parse_exit_status_output(result.retval, result.stdout, result.stderr)
        return codes.get(job.job_id)

    async def cleanup(self) -> None:
        async with self.queue.request(
            self.computer.key, self.computer.factory, SAFE_INTERVAL
        ) as transport:
            for workdir in self._workdirs:
                await transport.rmtree(workdir)
