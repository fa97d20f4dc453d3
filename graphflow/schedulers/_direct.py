"""The direct scheduler: run the job script in the background and watch it with ``ps``.

For machines without a batch system. The job id is the pid of the script's ``bash``,
started with ``setsid`` so that it leads a process group of its own: killing the group
ends the code the script started as well, not only the script. Nothing remembers a
finished job, so the exit code comes from the exit-code file alone.
"""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING, Final

from graphflow.errors import SchedulerError, SchedulerSubmitError
from graphflow.schedulers import _parse, _shell
from graphflow.schedulers._job import JobInfo, JobState

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from graphflow.schedulers._job import JobTemplate

__all__ = ["DirectScheduler"]

_NAME: Final = "core.direct"
_JOB_ID: Final = re.compile(r"[1-9][0-9]*")
# procps ``ps``: no header (``=``), one line per live pid, the command line last since it
# has spaces. ``etimes`` is elapsed seconds, simpler to read than ``etime``.
_PS_FIELDS: Final = "pid=,stat=,etimes=,user=,args="

# First letter of ``ps`` STAT (procps "PROCESS STATE CODES").
_STATES: Final[Mapping[str, JobState]] = {
    "R": JobState.RUNNING,
    "S": JobState.RUNNING,
    "D": JobState.RUNNING,
    "I": JobState.RUNNING,
    "W": JobState.RUNNING,
    "T": JobState.SUSPENDED,
    "t": JobState.SUSPENDED,
    # A zombie has exited and waits to be reaped: finished, whatever ``ps`` still shows.
    "Z": JobState.DONE,
    "X": JobState.DONE,
}
_GONE: Final = "No such process"


class DirectScheduler:
    """Jobs as background processes of the remote shell, with no queue and no limits.

    ``max_memory_kb`` is enforced with ``ulimit -v`` (virtual memory of the script and its
    children). ``max_wallclock_seconds`` is accepted and not enforced, as AiiDA's
    ``core.direct`` does: a job ported from AiiDA must end here as it ends there (same
    outputs, same exit status). A template asking for more than one machine, a queue, an
    account or a qos is rejected rather than run without them. The job always inherits the
    environment of the shell that submits it.
    """

    @property
    def name(self) -> str:
        """``core.direct``."""
        return _NAME

    def job_script(self, template: JobTemplate) -> str:
        """A bash script that sends its own output to ``stdout_name`` and ``stderr_name``.

        Raises:
            UnsupportedOptionError: naming every option the direct scheduler cannot honour.
        """
        machines = template.resources.num_machines
        _shell.unsupported(
            _NAME,
            [
                ("num_machines", machines if machines != 1 else None),
                ("queue_name", template.queue_name),
                ("account", template.account),
                ("qos", template.qos),
            ],
        )
        # These lines stand where a batch scheduler's directives would: with no scheduler
        # to redirect the script's output, the script does it itself, into the working
        # directory (or, without one, the directory submit ran in).
        directory = template.working_directory
        prefix = f"{shlex.quote(directory)}/" if directory is not None else ""
        stdout = prefix + shlex.quote(template.stdout_name)
        stderr = prefix + shlex.quote(template.stderr_name)
        directives = [f"exec > {stdout} 2> {stderr}"]
        if template.max_memory_kb is not None:
            directives.append(f"ulimit -v {template.max_memory_kb}")
        return _shell.job_script(template, directives, start_directory=None)

    def submit_command(self, script_filename: str) -> str:
        """Start the script detached from the submitting session and print its pid.

        Every standard stream is redirected so the remote command (and an SSH channel
        running it) can finish while the job goes on; ``setsid`` makes the pid a process
        group id for ``kill_command``; ``nohup`` keeps it alive when the session ends.
        """
        script = shlex.quote(_shell.check_script_filename(_NAME, script_filename))
        return f"nohup setsid bash {script} > /dev/null 2>&1 < /dev/null & echo $!"

    def parse_submit_output(self, retval: int, stdout: str, stderr: str) -> str:
        """The pid printed by ``echo $!``."""
        if retval != 0:
            raise SchedulerSubmitError(
                _parse.command_error(_NAME, "nohup setsid bash", retval, stdout, stderr)
            )
        pid = stdout.strip()
        if not _JOB_ID.fullmatch(pid):
            raise _parse.unparsable_error(_NAME, "echo $!", "a process id", stdout)
        return pid

    def status_command(self, job_ids: Sequence[str]) -> str:
        """One ``ps`` for every pid; dead pids are simply not listed."""
        ids = _shell.check_job_ids(_NAME, job_ids, _JOB_ID)
        return f"ps -o {_PS_FIELDS} -p {shlex.quote(','.join(ids))}"

    def parse_status_output(self, retval: int, stdout: str, stderr: str) -> dict[str, JobInfo]:
        """One ``JobInfo`` per live pid; ``ps`` exits 1 silently when none is alive."""
        if retval != 0 and (stderr.strip() or stdout.strip()):
            raise SchedulerError(_parse.command_error(_NAME, "ps", retval, stdout, stderr))
        jobs: dict[str, JobInfo] = {}
        for line in stdout.splitlines():
            if not line.strip():
                continue
            fields = line.split(None, 4)
            if len(fields) < 4 or not _JOB_ID.fullmatch(fields[0]):
                raise _parse.unparsable_error(_NAME, "ps", "PID STAT ETIMES USER ARGS", line)
            pid, stat, elapsed, user = fields[:4]
            jobs[pid] = JobInfo(
                job_id=pid,
                state=_STATES.get(stat[0], JobState.UNDETERMINED),
                raw_state=stat,
                title=fields[4] if len(fields) == 5 else None,
                owner=user,
                num_machines=1,
                wallclock_seconds=_parse.parse_count(elapsed),
            )
        return jobs

    def exit_status_command(self, job_ids: Sequence[str]) -> str | None:
        """``None``: a finished process leaves nothing but the exit-code file."""
        _shell.check_job_ids(_NAME, job_ids, _JOB_ID)
        return None

    def parse_exit_status_output(self, retval: int, stdout: str, stderr: str) -> dict[str, int]:
        """Nothing: there is no command whose output could hold exit codes."""
        return {}

    def kill_command(self, job_id: str) -> str:
        """SIGTERM to the job's process group, through ``kill(1)``.

        ``env`` runs the ``kill`` program rather than the shell's builtin, because dash's
        builtin rejects the negative pid that names a process group.
        """
        (checked,) = _shell.check_job_ids(_NAME, [job_id], _JOB_ID)
        return f"env kill -s TERM -- -{checked}"

    def parse_kill_output(self, retval: int, stdout: str, stderr: str) -> None:
        """Success, also when the group is already gone ("No such process")."""
        if retval != 0 and _GONE not in stderr:
            raise SchedulerError(_parse.command_error(_NAME, "kill", retval, stdout, stderr))
