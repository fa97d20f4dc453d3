"""The SLURM scheduler: ``#SBATCH`` scripts, ``squeue`` states and ``sacct`` exit codes.

Written against SLURM 22.05 and its recorded output (``tests/unit/schedulers/fixtures/
slurm``). Three behaviours shape the parsing:

- ``squeue`` keeps a finished job for ``MinJobAge`` seconds only. After that a list query
  silently omits it, and a query for that one id fails with ``Invalid job id
  specified``: both mean "gone", never an error.
- Without an accounting database ``sacct`` works only on the job-completion file
  (``sacct -c``), which is where exit codes are found once ``squeue`` has forgotten the
  job. That file records ``0:0`` for jobs SLURM cancelled or timed out, so a zero there
  is only believed for COMPLETED jobs.
- ``squeue``'s ``exit_code`` field is the raw ``wait()`` status (``1792`` for exit 7,
  ``15`` for SIGTERM), unlike ``sacct``'s ``EXIT:SIGNAL``.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from typing import TYPE_CHECKING, Final

from graphflow.errors import SchedulerError
from graphflow.schedulers import _parse, _shell
from graphflow.schedulers._exit_code import exit_code_from_signal
from graphflow.schedulers._job import JobInfo, JobState

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from graphflow.schedulers._job import JobTemplate

__all__ = ["SlurmScheduler"]

_NAME: Final = "core.slurm"
# Plain jobs, array tasks (``12_3``) and heterogeneous components (``12+1``).
_JOB_ID: Final = re.compile(r"[0-9]+(?:[_+][0-9]+)?")

# ``squeue -O``: a size of 0 prints each field whole, ``|`` follows it. The name is last
# and split off with ``maxsplit`` because a job name may itself contain ``|`` (and even a
# newline, which continues the name on the next output line).
_SQUEUE_FIELDS: Final = (
    "JobID",
    "State",
    "Reason",
    "Partition",
    "NumNodes",
    "NumCPUs",
    "TimeUsed",
    "TimeLimit",
    "SubmitTime",
    "StartTime",
    "UserName",
    "exit_code",
    "Name",
)
_SQUEUE_FORMAT: Final = ",".join(f"{field}:0|" for field in _SQUEUE_FIELDS[:-1]) + ",Name:0"
_TIME_FORMATS: Final = ("%Y-%m-%dT%H:%M:%S",)

_STATES: Final[Mapping[str, JobState]] = {
    "PENDING": JobState.QUEUED,
    "CONFIGURING": JobState.QUEUED,
    "REQUEUED": JobState.QUEUED,
    "REQUEUE_FED": JobState.QUEUED,
    "REQUEUE_HOLD": JobState.QUEUED_HELD,
    "RESV_DEL_HOLD": JobState.QUEUED_HELD,
    "SPECIAL_EXIT": JobState.QUEUED_HELD,
    "RUNNING": JobState.RUNNING,
    "COMPLETING": JobState.RUNNING,
    "RESIZING": JobState.RUNNING,
    "SIGNALING": JobState.RUNNING,
    "STAGE_OUT": JobState.RUNNING,
    "SUSPENDED": JobState.SUSPENDED,
    "STOPPED": JobState.SUSPENDED,
    "COMPLETED": JobState.DONE,
    "FAILED": JobState.DONE,
    "CANCELLED": JobState.DONE,
    "TIMEOUT": JobState.DONE,
    "NODE_FAIL": JobState.DONE,
    "BOOT_FAIL": JobState.DONE,
    "DEADLINE": JobState.DONE,
    "OUT_OF_MEMORY": JobState.DONE,
    "PREEMPTED": JobState.DONE,
    "REVOKED": JobState.DONE,
}
# Pending reasons that mean the job waits for a person, not for resources.
_HELD_REASONS: Final = frozenset({"JobHeldUser", "JobHeldAdmin"})
# Said by squeue and scancel when no requested job is known (any more).
_GONE: Final = "Invalid job id specified"
_SACCT_LINE: Final = re.compile(
    r"(?P<id>[^|]+)\|(?P<state>[^|]*)\|(?P<exit>[0-9]+):(?P<sig>[0-9]+)"
)


def _state(raw_state: str, reason: str) -> JobState:
    state = _STATES.get(raw_state, JobState.UNDETERMINED)
    if state is JobState.QUEUED and reason in _HELD_REASONS:
        return JobState.QUEUED_HELD
    return state


def _exit_code_from_wait_status(text: str) -> int | None:
    """squeue's ``exit_code`` is the raw ``wait()`` status: signal in the low 7 bits."""
    status = _parse.parse_count(text)
    if status is None:
        return None
    signal_number = status & 0x7F
    if signal_number:
        return exit_code_from_signal(signal_number)
    return (status >> 8) & 0xFF


class SlurmScheduler:
    """SLURM through ``sbatch``, ``squeue``, ``sacct`` and ``scancel``.

    Args:
        accounting_database: read exit codes with ``sacct`` from slurmdbd instead of the
            job-completion file (``sacct -c``); set it on clusters with accounting.
    """

    def __init__(self, *, accounting_database: bool = False) -> None:
        self._accounting_database = accounting_database

    @property
    def name(self) -> str:
        """``core.slurm``."""
        return _NAME

    def job_script(self, template: JobTemplate) -> str:
        """A bash script with one ``#SBATCH`` line per option the template sets.

        ``max_memory_kb`` becomes ``--mem`` (per node); the time limit is rounded up to
        whole minutes by SLURM itself.
        """
        resources = template.resources
        job_name = _shell.sanitize_job_name(template.job_name, max_length=128)
        directives = [
            f"#SBATCH --job-name={job_name}",
            f"#SBATCH --output={template.stdout_name}",
            f"#SBATCH --error={template.stderr_name}",
            f"#SBATCH --export={'ALL' if template.import_sys_environment else 'NONE'}",
            f"#SBATCH --nodes={resources.num_machines}",
            f"#SBATCH --ntasks-per-node={resources.num_mpiprocs_per_machine}",
        ]
        if resources.num_cores_per_mpiproc is not None:
            directives.append(f"#SBATCH --cpus-per-task={resources.num_cores_per_mpiproc}")
        if template.max_wallclock_seconds is not None:
            days, rest = divmod(template.max_wallclock_seconds, 86400)
            directives.append(f"#SBATCH --time={days}-{_shell.format_hms(rest)}")
        if template.max_memory_kb is not None:
            directives.append(f"#SBATCH --mem={template.max_memory_kb}K")
        for option, value in (
            ("partition", template.queue_name),
            ("account", template.account),
            ("qos", template.qos),
        ):
            if value is not None:
                directives.append(f"#SBATCH --{option}={value}")
        return _shell.job_script(template, directives, start_directory='"$SLURM_SUBMIT_DIR"')

    def submit_command(self, script_filename: str) -> str:
        """``sbatch --parsable``, which prints only the id."""
        script = _shell.check_script_filename(_NAME, script_filename)
        return f"sbatch --parsable {shlex.quote(script)}"

    def parse_submit_output(self, retval: int, stdout: str, stderr: str) -> str:
        """The id from ``ID`` or ``ID;CLUSTER``; sbatch's warnings on stderr are ignored."""
        if retval != 0:
            raise _parse.submit_error(_NAME, "sbatch", retval, stdout, stderr)
        first = stdout.strip().split(";", 1)[0] if stdout.strip() else ""
        if not _JOB_ID.fullmatch(first):
            raise _parse.unparsable_error(_NAME, "sbatch --parsable", "a job id", stdout)
        return first

    def status_command(self, job_ids: Sequence[str]) -> str:
        """``squeue`` for the given ids in every state, one ``|``-separated line each."""
        ids = _shell.check_job_ids(_NAME, job_ids, _JOB_ID)
        return (
            f"squeue --noheader --states=all --jobs={shlex.quote(','.join(ids))} "
            f"--Format={shlex.quote(_SQUEUE_FORMAT)}"
        )

    def parse_status_output(self, retval: int, stdout: str, stderr: str) -> dict[str, JobInfo]:
        """One ``JobInfo`` per job line; "Invalid job id specified" means all are gone."""
        if retval != 0:
            if _GONE in stderr:
                return {}
            raise SchedulerError(_parse.command_error(_NAME, "squeue", retval, stdout, stderr))
        jobs: dict[str, JobInfo] = {}
        last: JobInfo | None = None
        for line in stdout.splitlines():
            info = _squeue_line(line)
            if info is None:
                if last is None:
                    raise _parse.unparsable_error(
                        _NAME, "squeue", f"{len(_SQUEUE_FIELDS)} '|'-separated fields", line
                    )
                # A newline inside the job name: the line continues the previous title.
                last = _retitle(last, f"{last.title or ''}\n{line}")
            else:
                last = info
            jobs[last.job_id] = last
        return jobs

    def exit_status_command(self, job_ids: Sequence[str]) -> str:
        """``sacct`` over the job-completion file (or slurmdbd), one line per job."""
        ids = _shell.check_job_ids(_NAME, job_ids, _JOB_ID)
        source = "" if self._accounting_database else " -c"
        return f"sacct{source} -X -n -P -o jobid,state,exitcode --jobs={shlex.quote(','.join(ids))}"

    def parse_exit_status_output(self, retval: int, stdout: str, stderr: str) -> dict[str, int]:
        """Exit codes from ``ID|STATE|EXIT:SIGNAL``; a signal gives ``128 + SIGNAL``.

        The job-completion file records ``0:0`` for jobs SLURM ended itself (recorded:
        CANCELLED and TIMEOUT), so ``0:0`` next to any state but COMPLETED is not a
        success and is left out (the engine asks only when the job left no exit-code file,
        so the job then ends as lost rather than as a false success).
        A job listed more than once (requeued) keeps its last line, the latest run.
        """
        if retval != 0:
            raise SchedulerError(_parse.command_error(_NAME, "sacct", retval, stdout, stderr))
        codes: dict[str, int] = {}
        for line in stdout.splitlines():
            if not line.strip():
                continue
            match = _SACCT_LINE.fullmatch(line.strip())
            if match is None or not _JOB_ID.fullmatch(match["id"]):
                raise _parse.unparsable_error(_NAME, "sacct", "JOBID|STATE|EXIT:SIGNAL", line)
            job_id, exit_code, signal_number = match["id"], int(match["exit"]), int(match["sig"])
            # sacct prints "CANCELLED by 1000": the state is the first word.
            state = match["state"].split(" ", 1)[0]
            if signal_number:
                codes[job_id] = exit_code_from_signal(signal_number)
            elif exit_code or state == "COMPLETED":
                codes[job_id] = exit_code
            else:
                codes.pop(job_id, None)
        return codes

    def kill_command(self, job_id: str) -> str:
        """``scancel ID``."""
        (checked,) = _shell.check_job_ids(_NAME, [job_id], _JOB_ID)
        return f"scancel {shlex.quote(checked)}"

    def parse_kill_output(self, retval: int, stdout: str, stderr: str) -> None:
        """scancel is silent on success, and on ids it does not know (still success)."""
        if retval != 0 and _GONE not in stderr and "already completing or completed" not in stderr:
            raise SchedulerError(_parse.command_error(_NAME, "scancel", retval, stdout, stderr))


def _retitle(info: JobInfo, title: str) -> JobInfo:
    return dataclasses.replace(info, title=title)


def _squeue_line(line: str) -> JobInfo | None:
    """The job on one ``squeue`` line, or ``None`` if the line does not start a job."""
    fields = line.split("|", len(_SQUEUE_FIELDS) - 1)
    if len(fields) != len(_SQUEUE_FIELDS) or not _JOB_ID.fullmatch(fields[0]):
        return None
    row = dict(zip(_SQUEUE_FIELDS, fields, strict=True))
    state = _state(row["State"], row["Reason"])
    reason = row["Reason"]
    return JobInfo(
        job_id=row["JobID"],
        state=state,
        raw_state=row["State"],
        exit_code=_exit_code_from_wait_status(row["exit_code"]) if state is JobState.DONE else None,
        title=row["Name"],
        owner=row["UserName"] or None,
        queue=row["Partition"] or None,
        annotation=None if reason in {"", "None"} else reason,
        num_machines=_parse.parse_count(row["NumNodes"]),
        num_cpus=_parse.parse_count(row["NumCPUs"]),
        wallclock_seconds=_parse.parse_duration(row["TimeUsed"]),
        requested_wallclock_seconds=_parse.parse_duration(row["TimeLimit"]),
        submission_time=_parse.parse_timestamp(row["SubmitTime"], _TIME_FORMATS),
        dispatch_time=_parse.parse_timestamp(row["StartTime"], _TIME_FORMATS),
    )
