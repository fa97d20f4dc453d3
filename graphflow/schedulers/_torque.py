"""The Torque scheduler: ``nodes=N:ppn=M`` requests and ``qstat -f`` states.

Torque keeps a finished job in ``qstat`` as ``job_state = C`` with its ``exit_status``
for ``keep_completed`` seconds, then forgets it: there is no history to ask later, so
``exit_status_command`` is ``None`` and the engine reads the exit-code file (Torque
Administrator Guide, "qstat", "Job exit status"). Not installable on our test machines:
tested on fixtures written to those documented formats.
"""

from __future__ import annotations

import math
import re
import shlex
from typing import TYPE_CHECKING, Final

from graphflow.schedulers import _pbs, _shell
from graphflow.schedulers._job import JobState

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from graphflow.schedulers._job import JobInfo, JobTemplate

__all__ = ["TorqueScheduler"]

_NAME: Final = "core.torque"
# "2:ppn=4" (the form we write); anything else (host lists, features) gives no cpu count.
_NODES_SPEC: Final = re.compile(r"(?P<nodes>[0-9]+):ppn=(?P<ppn>[0-9]+)")

# qstat(1B) of Torque, "job_state".
_STATES: Final[Mapping[str, JobState]] = {
    "Q": JobState.QUEUED,
    "W": JobState.QUEUED,  # waiting for its execution time
    "T": JobState.QUEUED,  # being moved
    "H": JobState.QUEUED_HELD,
    "R": JobState.RUNNING,
    "E": JobState.RUNNING,  # exiting after having run
    "S": JobState.SUSPENDED,
    "C": JobState.DONE,
}


class TorqueScheduler:
    """Torque through ``qsub``, ``qstat`` and ``qdel``."""

    @property
    def name(self) -> str:
        """``core.torque``."""
        return _NAME

    def job_script(self, template: JobTemplate) -> str:
        """A bash script with ``#PBS`` directives in Torque's resource syntax.

        ``max_memory_kb`` is per machine. Torque's ``mem`` limits the whole job and is
        only enforced on one node, so a multi-machine job gets ``pmem`` (per process)
        instead: the machine's share divided by its processes, rounded up.

        Raises:
            ValidationError: ``qos`` is set (Torque itself has none).
        """
        _shell.unsupported(_NAME, [("qos", template.qos)])
        resources = template.resources
        ppn = resources.cores_per_machine
        # Names of at most 15 characters, starting with a letter, pass every Torque version.
        job_name = _shell.sanitize_job_name(template.job_name, max_length=15, start_alpha=True)
        directives = [
            f"#PBS -N {job_name}",
            f"#PBS -o {template.stdout_name}",
            f"#PBS -e {template.stderr_name}",
        ]
        if template.import_sys_environment:
            directives.append("#PBS -V")
        if template.queue_name is not None:
            directives.append(f"#PBS -q {template.queue_name}")
        if template.account is not None:
            directives.append(f"#PBS -A {template.account}")
        directives.append(f"#PBS -l nodes={resources.num_machines}:ppn={ppn}")
        if template.max_wallclock_seconds is not None:
            walltime = _shell.format_hms(template.max_wallclock_seconds)
            directives.append(f"#PBS -l walltime={walltime}")
        if template.max_memory_kb is not None:
            if resources.num_machines == 1:
                directives.append(f"#PBS -l mem={template.max_memory_kb}kb")
            else:
                per_process = math.ceil(template.max_memory_kb / resources.num_mpiprocs_per_machine)
                directives.append(f"#PBS -l pmem={per_process}kb")
        return _shell.job_script(template, directives, start_directory='"$PBS_O_WORKDIR"')

    def submit_command(self, script_filename: str) -> str:
        """``qsub SCRIPT``, which prints ``ID.SERVER``."""
        script = _shell.check_script_filename(_NAME, script_filename)
        return f"qsub {shlex.quote(script)}"

    def parse_submit_output(self, retval: int, stdout: str, stderr: str) -> str:
        """The id qsub printed, such as ``123.torque.example.org``."""
        return _pbs.parse_submit_output(_NAME, retval, stdout, stderr)

    def status_command(self, job_ids: Sequence[str]) -> str:
        """``qstat -f`` for the given ids, completed (``C``) jobs included while kept."""
        ids = _shell.check_job_ids(_NAME, job_ids, _pbs.JOB_ID)
        return "qstat -f " + " ".join(shlex.quote(job_id) for job_id in ids)

    def parse_status_output(self, retval: int, stdout: str, stderr: str) -> dict[str, JobInfo]:
        """One ``JobInfo`` per record; a ``C`` record carries the job's exit code."""
        records = _pbs.status_records(_NAME, "qstat -f", retval, stdout, stderr)
        return {job_id: _info(job_id, attributes) for job_id, attributes in records}

    def exit_status_command(self, job_ids: Sequence[str]) -> str | None:
        """``None``: Torque keeps no history of jobs it has forgotten."""
        _shell.check_job_ids(_NAME, job_ids, _pbs.JOB_ID)
        return None

    def parse_exit_status_output(self, retval: int, stdout: str, stderr: str) -> dict[str, int]:
        """Nothing: there is no command whose output could hold exit codes."""
        return {}

    def kill_command(self, job_id: str) -> str:
        """``qdel ID``."""
        (checked,) = _shell.check_job_ids(_NAME, [job_id], _pbs.JOB_ID)
        return f"qdel {shlex.quote(checked)}"

    def parse_kill_output(self, retval: int, stdout: str, stderr: str) -> None:
        """Success, also for "Unknown Job Id Error"."""
        _pbs.check_kill_output(_NAME, retval, stdout, stderr)


def _cpus(nodes_spec: str | None) -> int | None:
    match = _NODES_SPEC.fullmatch(nodes_spec.strip()) if nodes_spec else None
    if match is None:
        return None
    return int(match["nodes"]) * int(match["ppn"])


def _info(job_id: str, attributes: Mapping[str, str]) -> JobInfo:
    return _pbs.job_info(
        job_id,
        attributes,
        _STATES,
        exit_status_key="exit_status",
        dispatch_time_key="start_time",
        num_cpus=_cpus(attributes.get("Resource_List.nodes")),
    )
