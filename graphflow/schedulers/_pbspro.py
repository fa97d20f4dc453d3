"""The PBS Professional scheduler: ``select`` chunks, ``qstat -f`` states, history exit codes.

PBS Pro describes resources as chunks (``-l select=N:ncpus=C:mpiprocs=M``), one per
machine here. A finished job leaves ``qstat -f`` but stays in the job history, where
``qstat -x -f`` shows ``job_state = F`` and its ``Exit_status`` (PBS Professional
Reference Guide, "qstat"; Administrator's Guide, "Job Exit Status Codes"). Not installable
on our test machines: tested on fixtures written to those documented formats.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Final

from graphflow.schedulers import _parse, _pbs, _shell
from graphflow.schedulers._job import JobState

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from graphflow.schedulers._job import JobInfo, JobTemplate

__all__ = ["PbsProScheduler"]

_NAME: Final = "core.pbspro"

# qstat(1B) of PBS Pro, "Job states".
_STATES: Final[Mapping[str, JobState]] = {
    "Q": JobState.QUEUED,
    "W": JobState.QUEUED,  # waiting for the start time the submitter asked for
    "T": JobState.QUEUED,  # being moved to another queue or server
    "H": JobState.QUEUED_HELD,
    "R": JobState.RUNNING,
    "B": JobState.RUNNING,  # array job with subjobs running
    "E": JobState.RUNNING,  # exiting: still cleaning up, exit status not final
    "S": JobState.SUSPENDED,
    "U": JobState.SUSPENDED,  # suspended for workstation user activity
    "F": JobState.DONE,
    "X": JobState.DONE,  # subjob finished
    # "M" (moved to another server) stays UNDETERMINED: we cannot follow it there.
}


class PbsProScheduler:
    """PBS Professional through ``qsub``, ``qstat`` and ``qdel``."""

    @property
    def name(self) -> str:
        """``core.pbspro``."""
        return _NAME

    def job_script(self, template: JobTemplate) -> str:
        """A bash script with ``#PBS`` directives and one ``select`` chunk per machine.

        ``max_memory_kb`` is per machine, like a chunk's ``mem``.

        Raises:
            ValidationError: ``qos`` is set (PBS Pro has none).
        """
        _shell.unsupported(_NAME, [("qos", template.qos)])
        resources = template.resources
        chunk = [
            str(resources.num_machines),
            f"ncpus={resources.cores_per_machine}",
            f"mpiprocs={resources.num_mpiprocs_per_machine}",
        ]
        if resources.num_cores_per_mpiproc is not None:
            chunk.append(f"ompthreads={resources.num_cores_per_mpiproc}")
        if template.max_memory_kb is not None:
            chunk.append(f"mem={template.max_memory_kb}kb")
        job_name = _shell.sanitize_job_name(template.job_name, max_length=236, start_alpha=True)
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
        directives.append(f"#PBS -l select={':'.join(chunk)}")
        if template.max_wallclock_seconds is not None:
            walltime = _shell.format_hms(template.max_wallclock_seconds)
            directives.append(f"#PBS -l walltime={walltime}")
        return _shell.job_script(template, directives, start_directory='"$PBS_O_WORKDIR"')

    def submit_command(self, script_filename: str) -> str:
        """``qsub SCRIPT``, which prints ``ID.SERVER``."""
        script = _shell.check_script_filename(_NAME, script_filename)
        return f"qsub {shlex.quote(script)}"

    def parse_submit_output(self, retval: int, stdout: str, stderr: str) -> str:
        """The id qsub printed, such as ``123.pbsserver``."""
        return _pbs.parse_submit_output(_NAME, retval, stdout, stderr)

    def status_command(self, job_ids: Sequence[str]) -> str:
        """``qstat -f`` for the given ids: live jobs only, finished ones are absent."""
        ids = _shell.check_job_ids(_NAME, job_ids, _pbs.JOB_ID)
        return "qstat -f " + " ".join(shlex.quote(job_id) for job_id in ids)

    def parse_status_output(self, retval: int, stdout: str, stderr: str) -> dict[str, JobInfo]:
        """One ``JobInfo`` per ``Job Id:`` record."""
        records = _pbs.status_records(_NAME, "qstat -f", retval, stdout, stderr)
        return {job_id: _info(job_id, attributes) for job_id, attributes in records}

    def exit_status_command(self, job_ids: Sequence[str]) -> str:
        """``qstat -x -f``: the job history, which keeps finished jobs and ``Exit_status``."""
        ids = _shell.check_job_ids(_NAME, job_ids, _pbs.JOB_ID)
        return "qstat -x -f " + " ".join(shlex.quote(job_id) for job_id in ids)

    def parse_exit_status_output(self, retval: int, stdout: str, stderr: str) -> dict[str, int]:
        """``Exit_status`` of every finished record; ``256 + N`` becomes ``128 + N``."""
        records = _pbs.status_records(_NAME, "qstat -x -f", retval, stdout, stderr)
        codes: dict[str, int] = {}
        for job_id, attributes in records:
            info = _info(job_id, attributes)
            if info.exit_code is not None:
                codes[job_id] = info.exit_code
        return codes

    def kill_command(self, job_id: str) -> str:
        """``qdel ID``."""
        (checked,) = _shell.check_job_ids(_NAME, [job_id], _pbs.JOB_ID)
        return f"qdel {shlex.quote(checked)}"

    def parse_kill_output(self, retval: int, stdout: str, stderr: str) -> None:
        """Success, also for "Unknown Job Id" and "Job has finished"."""
        _pbs.check_kill_output(_NAME, retval, stdout, stderr)


def _info(job_id: str, attributes: Mapping[str, str]) -> JobInfo:
    return _pbs.job_info(
        job_id,
        attributes,
        _STATES,
        exit_status_key="Exit_status",
        dispatch_time_key="stime",
        num_cpus=_parse.parse_count(attributes.get("Resource_List.ncpus")),
    )
