"""Running calculation jobs: the transport tasks, back-off and pause (paper, 2.2.10-2.2.13).

One :class:`JobDriver` per runner (so per daemon worker) owns the worker's
:class:`~graphflow.transports.TransportQueue` (one connection per computer per safe
interval) and :class:`~graphflow.schedulers.JobManager` (one status query per computer
per poll interval). The runner hands it a calculation job at each step boundary; the
driver runs the job's next task and commits what it learnt with the checkpoint that
names the task after it, so a worker that dies resumes the job at the task it was doing.

Failures, by whose fault they are:

- the computer's (connection refused or dropped, a scheduler that does not answer, a
  disk that is full): the task is retried after ``transport_retry_interval`` seconds,
  doubling, up to ``transport_max_attempts`` times (profile options, also per task type:
  ``transport_retry_interval.submit``); then the job is *paused* with a report saying
  what failed, and ``play`` retries that task;
- the user's setup (an unconfigured computer, a scheduler that rejects the script): the
  job is paused at once, with the reason (the scheduler's own words) in its report;
- the plugin's (``prepare_for_submission`` or the parser raising, an impossible job
  script): the job excepts: retrying a bug does not help.

Only waiting (for a retry, or for the scheduler) is interrupted by ``pause``, ``kill``
or a worker's graceful stop; a task that talks to the computer runs to its end (bounded
by the transport's timeouts), so a submit is never cut in half.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import functools
import logging
import math
import posixpath
import shlex
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from graphflow.clock import Clock, MonotonicClock
from graphflow.config import load_config
from graphflow.engine._caching import acached_outputs
from graphflow.engine._calcinfo import CalcInfo, Sandbox
from graphflow.engine._calcjob import SUBMIT_SCRIPT, CalcJob, JobStep
from graphflow.engine._checkpoint import dumps
from graphflow.engine._exit_codes import ExitCode
from graphflow.engine._logging import REPORT, emit
from graphflow.engine._parser import load_parser_class
from graphflow.engine._process import exit_code_of
from graphflow.engine._states import Event
from graphflow.errors import (
    ConfigError,
    NotExistentError,
    PluginError,
    ProcessError,
    RemoteFileNotFoundError,
    RepositoryError,
    SchedulerError,
    SchedulerSubmitError,
    TransportError,
)
from graphflow.orm import FolderData, Node, RemoteData, SinglefileData, WriteScope
from graphflow.orm._computers import Computer, aload_computer
from graphflow.orm._process import NAMESPACE_SEPARATOR
from graphflow.retry import Backoff, Deadline, retry
from graphflow.schedulers import (
    EXIT_CODE_FILENAME,
    JobInfo,
    JobManager,
    JobState,
    get_scheduler,
    parse_exit_code_file,
)
from graphflow.transports import Transport, TransportQueue, get_transport_class
from graphflow.types import ProcessState

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

    from graphflow.engine._runner import ProcessHandle, Runner

__all__ = ["JobDriver"]

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_RETRY_INTERVAL = 20.0
DEFAULT_MAX_ATTEMPTS = 5
#: seconds a single command (submit, status, kill) may run on the computer
COMMAND_TIMEOUT = 120.0
#: files the submit wrapper leaves, so a repeated submit (after a crash) reports the
#: first one's outcome instead of submitting the job twice
SUBMIT_RECORD = ".graphflow_submit"
#: native scheduler states that mean the scheduler ended the job, and the exit code
_SCHEDULER_VERDICTS = {
    "TIMEOUT": "ERROR_SCHEDULER_OUT_OF_WALLTIME",
    "TO": "ERROR_SCHEDULER_OUT_OF_WALLTIME",
    "OUT_OF_MEMORY": "ERROR_SCHEDULER_OUT_OF_MEMORY",
    "OOM": "ERROR_SCHEDULER_OUT_OF_MEMORY",
}


class _InterruptedError(Exception):
    """A wait was cut short by pause, kill or a graceful stop; the runner decides next."""


class _PauseJobError(Exception):
    """The task cannot go on without the user: pause the job with this reason."""


@dataclass
class _Retry:
    interval: float
    attempts: int


def _retry_settings(profile_name: str, task: str) -> _Retry:
    """The back-off of ``task``, read from the profile now (so ``set-option`` then ``play``
    takes effect without restarting anything)."""
    try:
        profile = load_config().get(profile_name)
    except ConfigError:
        return _Retry(DEFAULT_RETRY_INTERVAL, DEFAULT_MAX_ATTEMPTS)
    interval = profile.option(
        f"transport_retry_interval.{task}",
        profile.option("transport_retry_interval", DEFAULT_RETRY_INTERVAL),
    )
    attempts = profile.option(
        f"transport_max_attempts.{task}",
        profile.option("transport_max_attempts", DEFAULT_MAX_ATTEMPTS),
    )
    return _Retry(float(interval), max(1, int(attempts)))


def _is_computer_fault(exc: BaseException) -> bool:
    """Worth retrying: the connection, the scheduler's availability, the local disk."""
    if isinstance(exc, SchedulerSubmitError):
        return False
    return isinstance(exc, (TransportError, SchedulerError, RepositoryError, OSError))


async def _scheduler_exit_code(transport: Transport, computer: Computer, job_id: str) -> int | None:
    """The exit code the scheduler keeps for a finished job (``sacct -c``, ``qacct``), if any.

    Asked only for a job whose script left no exit-code file; ``None`` when the scheduler
    keeps no record (direct, Torque), has none for this job, or cannot be read (a SLURM
    without a job-completion file): the job then ends on what the scheduler last said of
    it, as it did before this was asked, rather than being paused over a missing record.
    """
    scheduler = get_scheduler(computer.scheduler)
    command = scheduler.exit_status_command([job_id])
    if command is None:
        return None
    result = await transport.exec(command, timeout=COMMAND_TIMEOUT)
    try:
        codes = scheduler.parse_exit_status_output(result.retval, result.stdout, result.stderr)
    except SchedulerError as exc:
        log.warning("no exit code for job %s from %s's scheduler: %s", job_id, computer.label, exc)
        return None
    return codes.get(job_id)


def submit_wrapper(command: str) -> str:
    """``command`` run at most once per working directory, its outcome replayed after.

    The first run records the exit status and output next to the job script; a repeated
    submit (the worker died before the job id was committed) prints the recorded outcome
    instead of queueing the job a second time.
    """
    rc, out, err = (f"{SUBMIT_RECORD}.{kind}" for kind in ("rc", "out", "err"))
    return (
        f"if [ ! -e {rc} ]; then ( {command} ) > {out} 2> {err}; echo $? > {rc}.tmp; "
        f'mv {rc}.tmp {rc}; fi; cat {out}; cat {err} >&2; exit "$(cat {rc})"'
    )


class JobDriver:
    """The calculation-job side of a runner: one transport queue and one job manager."""

    def __init__(self, runner: Runner, *, clock: Clock | None = None) -> None:
        self.runner = runner
        #: what back-off pauses, transport slots and scheduler polls are timed on
        self.clock: Clock = clock or MonotonicClock()
        self._stack: contextlib.AsyncExitStack | None = None
        self._queue: TransportQueue | None = None
        self._manager: JobManager | None = None
        self._computers: dict[str, Computer] = {}
        self._homes: dict[str, str] = {}
        #: kept when a computer is forgotten after a failure, so polls keep their pace
        self._poll_intervals: dict[str, float] = {}

    # --- services -----------------------------------------------------------------------

    async def _services(self) -> tuple[TransportQueue, JobManager]:
        if self._queue is None or self._manager is None:
            stack = contextlib.AsyncExitStack()
            queue = await stack.enter_async_context(TransportQueue(clock=self.clock))
            manager = await stack.enter_async_context(
                JobManager(self._poll, min_interval=self._poll_interval, clock=self.clock)
            )
            self._stack, self._queue, self._manager = stack, queue, manager
        return self._queue, self._manager

    async def close(self) -> None:
        stack, self._stack = self._stack, None
        self._queue = self._manager = None
        if stack is not None:
            await stack.aclose()

    def statistics(self) -> dict[str, Any]:
        """Connections opened and status polls made, per computer (for benchmarks)."""
        if self._queue is None or self._manager is None:
            return {"connections_opened": {}, "polls": {}, "jobs_polled": {}}
        queue, jobs = self._queue.statistics(), self._manager.statistics()
        return {
            "connections_opened": dict(queue.connections_opened),
            "polls": dict(jobs.polls),
            "jobs_polled": dict(jobs.jobs_polled),
        }

    async def computer(self, label: str) -> Computer:
        computer = self._computers.get(label)
        if computer is None:
            try:
                computer = await aload_computer(label)
            except NotExistentError as exc:
                raise _PauseJobError(str(exc)) from exc
            if not computer.is_configured:
                raise _PauseJobError(
                    f"computer {label!r} is not configured: run "
                    f"'graphflow computer configure ssh {label}'"
                )
            self._computers[label] = computer
            self._poll_intervals[label] = computer.effective_poll_interval
        return computer

    def _poll_interval(self, key: str) -> float:
        return self._poll_intervals.get(key, Computer.DEFAULT_POLL_INTERVAL["core.ssh"])

    @contextlib.asynccontextmanager
    async def transport(self, computer: Computer) -> AsyncIterator[Transport]:
        """An open transport to ``computer``, shared through the queue."""
        queue, _ = await self._services()
        try:
            transport_class = get_transport_class(computer.transport)
            config = computer.transport_config()
            transport_class.from_config(config)  # bad settings: say so now, not per retry
        except (ConfigError, PluginError) as exc:
            raise _PauseJobError(f"computer {computer.label!r}: {exc}") from exc

        def factory() -> Transport:
            return transport_class.from_config(config)

        async with queue.request(computer.label, factory, computer.effective_safe_interval) as t:
            yield t

    async def clean_remote(self, remote: RemoteData) -> None:
        """Remove a job's remote working directory (a work chain's ``clean_workdir``)."""
        computer = await self.computer(remote.computer_label)
        async with self.transport(computer) as transport:
            await transport.rmtree(remote.remote_path)

    async def _poll(self, key: str, job_ids: list[str]) -> Mapping[str, JobInfo]:
        computer = await self.computer(key)
        scheduler = get_scheduler(computer.scheduler)
        async with self.transport(computer) as transport:
            result = await transport.exec(
                scheduler.status_command(job_ids), timeout=COMMAND_TIMEOUT
            )
        return scheduler.parse_status_output(result.retval, result.stdout, result.stderr)

    # --- the runner's entry points ------------------------------------------------------

    async def advance(self, handle: ProcessHandle) -> None:
        """Run the job's next task (or its parser) and commit what it learnt."""
        process = handle.process
        assert isinstance(process, CalcJob)
        step = process.job["step"]
        if step == JobStep.PARSE:
            await self._parse(handle)
            return
        if process.state is ProcessState.RUNNING:
            scope = self._pending(handle)
            scope.update(process.node, await self.runner.transition(handle, scope, Event.WAIT))
        tasks: dict[str, Callable[[ProcessHandle], Awaitable[None]]] = {
            JobStep.UPLOAD: self._upload,
            JobStep.SUBMIT: self._submit,
            JobStep.UPDATE: self._update,
            JobStep.RETRIEVE: self._retrieve,
        }
        try:
            await tasks[step](handle)
        except _InterruptedError:
            return
        except _PauseJobError as exc:
            await self._pause(handle, f"{step} cannot continue: {exc}")

    async def cancel(self, handle: ProcessHandle) -> None:
        """Ask the scheduler to end the job of a calculation being killed (if it has one)."""
        process = handle.process
        assert isinstance(process, CalcJob)
        job_id = process.job.get("job_id")
        if not job_id or process.job["step"] not in (JobStep.UPDATE,):
            return
        try:
            computer = await self.computer(process.code.computer_label)
            scheduler = get_scheduler(computer.scheduler)

            async def kill() -> None:
                async with self.transport(computer) as transport:
                    result = await transport.exec(
                        scheduler.kill_command(job_id), timeout=COMMAND_TIMEOUT
                    )
                scheduler.parse_kill_output(result.retval, result.stdout, result.stderr)

            await self._retrying(handle, "kill", kill, interruptible=False)
            self._report(handle, f"asked the scheduler to end job {job_id}")
        except Exception as exc:
            self._report(
                handle,
                f"could not cancel job {job_id} ({exc}); it may still run on the computer",
                logging.WARNING,
            )

    # --- tasks --------------------------------------------------------------------------

    async def _upload(self, handle: ProcessHandle) -> None:
        process = handle.process
        assert isinstance(process, CalcJob)
        if await self._finish_from_cache(handle, process):
            return
        computer = await self.computer(process.code.computer_label)
        scheduler = get_scheduler(computer.scheduler)
        with tempfile.TemporaryDirectory(prefix="graphflow-upload-") as tmp:
            sandbox = Sandbox(Path(tmp))
            # the plugin's code, in a thread: a bug here excepts the job (not retried)
            calc_info = await self.runner.in_thread(_prepare, process, sandbox)

            async def upload() -> str:
                async with self.transport(computer) as transport:
                    workdir = await self._workdir(transport, computer, process)
                    script = scheduler.job_script(
                        process.job_template(calc_info, computer, workdir)
                    )
                    await transport.makedirs(workdir)
                    await transport.put_tree(sandbox.path, workdir)
                    for source, target in calc_info.remote_copy_list:
                        await _remote_copy(transport, source, workdir, target)
                    await transport.write_bytes(
                        posixpath.join(workdir, SUBMIT_SCRIPT), script.encode(), mode=0o755
                    )
                    return workdir

            workdir = await self._retrying(handle, "upload", upload)
        remote = RemoteData(remote_path=workdir, computer=computer.label)
        process.job.update(
            step=JobStep.SUBMIT,
            workdir=workdir,
            retrieve=[*process.retrieve_names(calc_info), SUBMIT_SCRIPT],
        )
        scope = self._pending(handle)
        await self.runner.in_thread(process.out, "remote_folder", remote)
        await self.runner.in_thread(process._write_outputs, scope, {"remote_folder": remote})
        # a local job's folder (and, once submitted, its process) is this host's own
        host = socket.gethostname() if computer.transport == "core.local" else None
        props = process.node._job_update(
            computer=computer.label, remote_workdir=workdir, job_host=host
        )
        self._commit_progress(handle, props)

    async def _finish_from_cache(self, handle: ProcessHandle, process: CalcJob) -> bool:
        """Finish the job with copies of a finished twin's outputs, if caching serves it
        (engine._caching): nothing is uploaded, submitted or parsed."""
        outputs = await acached_outputs(self.runner.backend, process.node)
        if outputs is None:
            return False
        scope = self._pending(handle)
        if process.state is ProcessState.WAITING:
            scope.update(process.node, await self.runner.transition(handle, scope, Event.RESUME))
        computer = process.node._job_update(computer=process.code.computer_label)
        scope.update(process.node, {"cached_from": process.node.get_cache_source(), **computer})
        await self.runner.run_step(handle, functools.partial(_take_outputs, outputs=outputs))
        return True

    async def _workdir(self, transport: Transport, computer: Computer, process: CalcJob) -> str:
        """``<computer workdir>/<uuid[:2]>/<uuid[2:4]>/<uuid[4:]>``, ``~`` expanded once."""
        base = computer.workdir
        if base.startswith("~"):
            home = self._homes.get(computer.label)
            if home is None:
                home = self._homes[computer.label] = await transport.home()
            base = home + base[1:]
        uuid = process.node.uuid
        return posixpath.join(base, uuid[:2], uuid[2:4], uuid[4:])

    async def _submit(self, handle: ProcessHandle) -> None:
        process = handle.process
        assert isinstance(process, CalcJob)
        computer = await self.computer(process.code.computer_label)
        scheduler = get_scheduler(computer.scheduler)
        workdir = process.job["workdir"]

        async def submit() -> str:
            async with self.transport(computer) as transport:
                result = await transport.exec(
                    submit_wrapper(scheduler.submit_command(SUBMIT_SCRIPT)),
                    workdir=workdir,
                    timeout=COMMAND_TIMEOUT,
                )
                try:
                    return scheduler.parse_submit_output(
                        result.retval, result.stdout, result.stderr
                    )
                except SchedulerError:
                    # the next attempt (a retry, or play after a fix) submits afresh
                    await transport.remove(posixpath.join(workdir, f"{SUBMIT_RECORD}.rc"))
                    raise

        try:
            job_id = await self._retrying(handle, "submit", submit)
        except SchedulerSubmitError as exc:
            raise _PauseJobError(f"the scheduler rejected the job: {exc}") from exc
        process.job.update(step=JobStep.UPDATE, job_id=job_id)
        self._report(handle, f"submitted job {job_id} to {computer.label}")
        self._commit_progress(handle, process.node._job_update(job_id=job_id))

    async def _update(self, handle: ProcessHandle) -> None:
        process = handle.process
        assert isinstance(process, CalcJob)
        computer = await self.computer(process.code.computer_label)
        job_id = process.job["job_id"]
        _, manager = await self._services()
        while True:
            info = await self._retrying(
                handle,
                "update",
                lambda: self._interruptible(
                    handle, manager.wait_for_update(computer.label, job_id)
                ),
            )
            if info is None or info.state is JobState.DONE:
                break
            props = process.node._job_update(scheduler_state=info.state.value)
            if props and info.state is JobState.QUEUED_HELD:
                reason = info.annotation or info.raw_state
                self._report(handle, f"job {job_id} is held by the scheduler ({reason})")
            if props:
                self._commit(handle, props)
        state = JobState.DONE.value
        process.job.update(step=JobStep.RETRIEVE)
        if info is not None:
            process.job["raw_state"] = info.raw_state
            if info.exit_code is not None:
                process.job["exit_code"] = info.exit_code
        self._commit_progress(handle, process.node._job_update(scheduler_state=state))

    async def _retrieve(self, handle: ProcessHandle) -> None:
        process = handle.process
        assert isinstance(process, CalcJob)
        computer = await self.computer(process.code.computer_label)
        workdir = process.job["workdir"]
        patterns: list[str] = process.job.get("retrieve") or []
        with tempfile.TemporaryDirectory(prefix="graphflow-retrieve-") as tmp:

            async def retrieve() -> int | None:
                async with self.transport(computer) as transport:
                    await _fetch(transport, workdir, patterns, Path(tmp))
                    if process.job.get("exit_code") is not None:
                        return int(process.job["exit_code"])
                    try:
                        text = await transport.read_bytes(
                            posixpath.join(workdir, EXIT_CODE_FILENAME)
                        )
                    except RemoteFileNotFoundError:
                        # killed before its script could write the file (wall time,
                        # memory, cancelled): the scheduler's own record may know
                        return await _scheduler_exit_code(
                            transport, computer, process.job["job_id"]
                        )
                    return parse_exit_code_file(text.decode(errors="replace"))

            exit_code = await self._retrying(handle, "retrieve", retrieve)
            folder = await self._retrying(
                handle, "retrieve", lambda: self.runner.in_thread(FolderData, tmp)
            )
        scope = self._pending(handle)
        await self.runner.in_thread(_record_outputs, process, scope, {"retrieved": folder})
        process.job.update(step=JobStep.PARSE, exit_code=exit_code)
        props = process.node._job_update(job_exit_code=exit_code)
        props.update(await self.runner.transition(handle, scope, Event.RESUME))
        self._commit_progress(handle, props)

    async def _parse(self, handle: ProcessHandle) -> None:
        process = handle.process
        assert isinstance(process, CalcJob)
        if process.state is ProcessState.WAITING:
            scope = self._pending(handle)
            scope.update(process.node, await self.runner.transition(handle, scope, Event.RESUME))
        await self.runner.run_step(handle, _parse)

    # --- back-off, pause, writes --------------------------------------------------------

    async def _retrying(
        self,
        handle: ProcessHandle,
        task: str,
        operation: Callable[[], Awaitable[T]],
        *,
        interruptible: bool = True,
    ) -> T:
        """``operation``, retried with a doubling interval while the computer is at fault.

        Raises ``_PauseJobError`` once the attempts are used up (or ``_InterruptedError``, when the
        job is paused, killed or detached while waiting to retry).
        """
        settings = _retry_settings(self.runner.backend.profile.name, task)
        process = handle.process

        def worth_again(exc: BaseException) -> bool:
            return not isinstance(exc, (_InterruptedError, _PauseJobError)) and (
                _is_computer_fault(exc)
            )

        def report(exc: BaseException, tries: int, pause: float) -> None:
            self._forget_computer(process)
            self._report(
                handle,
                f"{task} failed (attempt {tries} of {settings.attempts}): {exc}; "
                f"retrying in {pause:g} s",
                logging.WARNING,
            )

        async def pause(seconds: float) -> None:
            wait = self.clock.sleep_until(self.clock.now() + seconds)
            await (self._interruptible(handle, wait) if interruptible else wait)

        try:
            return await retry(
                operation,
                backoff=Backoff(first=settings.interval, cap=math.inf, jitter=False),
                deadline=Deadline.never(self.clock),
                retry_if=worth_again,
                attempts=settings.attempts,
                on_retry=report,
                pause=pause,
            )
        except Exception as exc:
            if not worth_again(exc):
                raise
            self._forget_computer(process)
            tries = settings.attempts
            raise _PauseJobError(
                f"{task} failed {tries} time{'s' if tries > 1 else ''}, last: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    def _forget_computer(self, process: Any) -> None:
        """After a failure, read the computer again: the user may be fixing its settings."""
        with contextlib.suppress(ProcessError):
            label = process.code.computer_label
            self._computers.pop(label, None)
            self._homes.pop(label, None)

    async def _interruptible(self, handle: ProcessHandle, awaitable: Awaitable[T]) -> T:
        """``awaitable``, unless the job is paused, killed or detached first."""
        if _stop_requested(handle):
            if asyncio.iscoroutine(awaitable):
                awaitable.close()
            raise _InterruptedError
        handle.wakeup.clear()
        work = asyncio.ensure_future(awaitable)
        woken = asyncio.ensure_future(handle.wakeup.wait())
        try:
            await asyncio.wait([work, woken], return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
        if work.done():
            return work.result()
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await work
        raise _InterruptedError

    async def _pause(self, handle: ProcessHandle, reason: str) -> None:
        node = handle.process.node
        self._report(
            handle,
            f"{reason}; the job is paused: fix the cause, then 'graphflow process play "
            f"{node.pk}' retries it (or kill it)",
            logging.ERROR,
        )
        handle.play.clear()
        self._commit(handle, node._state_update(paused=True))

    def _pending(self, handle: ProcessHandle) -> WriteScope:
        if handle.pending is None:
            handle.pending = WriteScope(self.runner.backend)
        return handle.pending

    def _report(self, handle: ProcessHandle, message: str, level: int = REPORT) -> None:
        emit(handle.process, level, message, self._pending(handle))

    def _commit(self, handle: ProcessHandle, props: dict[str, Any]) -> None:
        scope = self._pending(handle)
        handle.pending = None
        if props:
            scope.update(handle.process.node, props)
        self.runner.commit(handle, scope)

    def _commit_progress(self, handle: ProcessHandle, props: dict[str, Any]) -> None:
        """Commit ``props`` with the checkpoint that names the next task."""
        self._commit(handle, {**props, "checkpoint": dumps(handle.process.checkpoint())})


def _stop_requested(handle: ProcessHandle) -> bool:
    return handle.detached or handle.kill_message is not None or not handle.play.is_set()


# --- pieces run in threads or on the transport -------------------------------------------


def _prepare(process: CalcJob, sandbox: Sandbox) -> CalcInfo:
    """The plugin's ``prepare_for_submission``, checked; local copies put in the sandbox."""
    calc_info = process.prepare_for_submission(sandbox)
    if not isinstance(calc_info, CalcInfo):
        raise ProcessError(
            f"{process.process_label()}.prepare_for_submission returned "
            f"{type(calc_info).__name__}, expected a CalcInfo"
        )
    calc_info.check(process.process_label())
    for node, source, target in calc_info.local_copy_list:
        if isinstance(node, SinglefileData):
            sandbox.write_bytes(target, node.get_content("rb"))
        elif isinstance(node, FolderData):
            if source is None:
                node.copy_tree(sandbox.get_abs_path(target))
            else:
                sandbox.write_bytes(target, node.get_object_content(source, "rb"))
        else:
            raise ProcessError(
                f"{process.process_label()}: local_copy_list names a {type(node).__name__}; "
                "only SinglefileData and FolderData hold files"
            )
    return calc_info


async def _remote_copy(transport: Transport, source: str, workdir: str, target: str) -> None:
    destination = posixpath.join(workdir, target)
    result = await transport.exec(
        f"mkdir -p {shlex.quote(posixpath.dirname(destination))} && "
        f"cp -r {shlex.quote(source)} {shlex.quote(destination)}",
        timeout=COMMAND_TIMEOUT,
    )
    if result.retval != 0:
        raise TransportError(
            f"copying {source} to {destination} on the computer failed: "
            f"{result.stderr.strip() or result.retval}"
        )


async def _fetch(transport: Transport, workdir: str, patterns: list[str], local: Path) -> None:
    """Copy what ``patterns`` name from ``workdir`` to ``local``; missing files are skipped
    (the parser decides whether that is a failure)."""
    names: list[str] = []
    listing: list[str] | None = None
    for pattern in patterns:
        if any(c in pattern for c in "*?[") and "/" not in pattern:
            if listing is None:
                listing = await transport.listdir(workdir)
            names += fnmatch.filter(listing, pattern)
        else:
            names.append(pattern)
    for name in dict.fromkeys(names):
        remote = posixpath.join(workdir, name)
        target = local / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            if await transport.is_dir(remote):
                await transport.get_tree(remote, target)
            else:
                await transport.get(remote, target)
        except RemoteFileNotFoundError:
            continue


def _parse(process: CalcJob, scope: WriteScope) -> ExitCode:
    """Run the parser (if any): the job's new outputs, and the exit code it ends with."""
    written = set(process._outputs)
    with process.running_in(scope):
        code = _verdict(process)
        new = {k: v for k, v in process._outputs.items() if k not in written}
        if new:
            process._write_outputs(scope, new)
    return process.checked_exit_code(code)


def _take_outputs(process: CalcJob, scope: WriteScope, outputs: dict[str, Node]) -> ExitCode:
    """A cached job's outputs (a finished twin's copies), as if its parser had made them."""
    _record_outputs(process, scope, outputs)
    return process.checked_exit_code(ExitCode(0))


def _record_outputs(process: CalcJob, scope: WriteScope, outputs: dict[str, Node]) -> None:
    """Outputs the job gets without its parser (its retrieved files, a twin's copies)."""
    for label, node in outputs.items():
        process.out(label.replace(NAMESPACE_SEPARATOR, "."), node)
    process._write_outputs(scope, outputs)


def _verdict(process: CalcJob) -> ExitCode:
    """How the job ended, as AiiDA decides it: the scheduler's and the command's verdict
    first (out of memory or walltime, a non-zero exit status); then the parser, which
    sees that verdict as the node's exit status and message, and whose own exit code,
    if it returns one (``ExitCode(0)`` included), decides."""
    job = process.job
    codes = process.exit_codes
    found: ExitCode | None = None
    verdict = _SCHEDULER_VERDICTS.get(str(job.get("raw_state") or "").upper())
    if verdict is not None:
        found = getattr(codes, verdict)
    elif job.get("exit_code") not in (0, None):
        failed = codes.ERROR_JOB_FAILED
        try:
            found = failed.format(status=job["exit_code"])
        except ValueError:  # a plugin redeclared it with other placeholders
            found = failed
    parser_name = process.options.get("parser_name")
    if not parser_name:
        if found is None and job.get("exit_code") is None:
            return codes.ERROR_JOB_LOST.format(job_id=job.get("job_id"))
        return found or ExitCode(0)
    parser_class = load_parser_class(parser_name)
    retrieved = process._outputs["retrieved"]
    assert isinstance(retrieved, FolderData)
    parser = parser_class(process.node, retrieved, codes, process.report)
    job_node = process.node
    before = job_node._exit_status, job_node._exit_message
    if found is not None:  # the parser reads it on the node, as in AiiDA (in memory only)
        job_node._exit_status, job_node._exit_message = found.status, found.message
    try:
        result = parser.parse()
    finally:
        job_node._exit_status, job_node._exit_message = before
    code = exit_code_of(result, process)
    if code is None and result is not None:
        raise ProcessError(
            f"parser {parser_name} returned {type(result).__name__}; a parser returns "
            "None or an ExitCode"
        )
    for label, node in parser.outputs.items():
        process.out(label, node)
    return code if code is not None else found or ExitCode(0)
