"""The Grid Engine scheduler: ``#$`` scripts, ``qstat -xml`` states, ``qacct`` exit codes.

Written against (Son of) Grid Engine 8.1.9 and its recorded output (``tests/unit/
schedulers/fixtures/sge``). A finished job leaves ``qstat`` at once; its exit status is
then in the accounting file, read with ``qacct -j``, one job per call.
"""

from __future__ import annotations

import math
import re
import shlex
import xml.etree.ElementTree as ElementTree
from typing import TYPE_CHECKING, Final

from graphflow.errors import SchedulerError, ValidationError
from graphflow.schedulers import _parse, _shell
from graphflow.schedulers._job import JobInfo, JobState

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from graphflow.schedulers._job import JobTemplate

__all__ = ["SgeScheduler"]

_NAME: Final = "core.sge"
_JOB_ID: Final = re.compile(r"[0-9]+")
_TIME_FORMATS: Final = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f")
# Characters XML 1.0 forbids; a job name could carry them into qstat's XML verbatim.
_XML_ILLEGAL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# The state letters of qstat(1): d(eletion), E(rror), h(old), r(unning), R(estarted),
# s/S(uspended), t(ransferring), T(hreshold), w(aiting), q(ueued), z (zombie, -s z).
_STATES: Final[Mapping[str, JobState]] = {
    "qw": JobState.QUEUED,
    "w": JobState.QUEUED,
    "Rq": JobState.QUEUED,
    "dqw": JobState.QUEUED,
    "hqw": JobState.QUEUED_HELD,
    "hRqw": JobState.QUEUED_HELD,
    "hRwq": JobState.QUEUED_HELD,
    "dhqw": JobState.QUEUED_HELD,
    # In error: the job will not start until someone clears it (qmod -cj) or deletes it.
    "Eqw": JobState.QUEUED_HELD,
    "Ehqw": JobState.QUEUED_HELD,
    "EhRqw": JobState.QUEUED_HELD,
    "r": JobState.RUNNING,
    "t": JobState.RUNNING,
    "Rr": JobState.RUNNING,
    "Rt": JobState.RUNNING,
    "dr": JobState.RUNNING,
    "dt": JobState.RUNNING,
    "dRr": JobState.RUNNING,
    "dRt": JobState.RUNNING,
    "s": JobState.SUSPENDED,
    "ts": JobState.SUSPENDED,
    "S": JobState.SUSPENDED,
    "tS": JobState.SUSPENDED,
    "T": JobState.SUSPENDED,
    "tT": JobState.SUSPENDED,
    "Rs": JobState.SUSPENDED,
    "Rts": JobState.SUSPENDED,
    "RS": JobState.SUSPENDED,
    "RtS": JobState.SUSPENDED,
    "RT": JobState.SUSPENDED,
    "RtT": JobState.SUSPENDED,
    "ds": JobState.SUSPENDED,
    "dS": JobState.SUSPENDED,
    "dT": JobState.SUSPENDED,
    "z": JobState.DONE,
}
_QACCT_SEPARATOR: Final = re.compile(r"^=+\s*$", re.MULTILINE)
_QACCT_NOT_FOUND: Final = re.compile(r"error: job id [0-9]+ not found")
_LEADING_INT: Final = re.compile(r"-?[0-9]+")
_QDEL_GONE: Final = re.compile(r'denied: job "[0-9]+" does not exist')


class SgeScheduler:
    """Grid Engine through ``qsub``, ``qstat``, ``qacct`` and ``qdel``.

    Args:
        parallel_environment: the parallel environment (``qconf -spl``) that jobs with
            more than one slot request; its name is site configuration, so without it a
            template asking for more than one core is rejected.
    """

    def __init__(self, *, parallel_environment: str | None = None) -> None:
        self._parallel_environment = parallel_environment

    @property
    def name(self) -> str:
        """``core.sge``."""
        return _NAME

    def job_script(self, template: JobTemplate) -> str:
        """A bash script with ``#$`` directives; the job starts in the submit directory.

        Slots are processes times cores per process over all machines, requested from
        the parallel environment (whose allocation rule decides how they spread over
        machines). ``max_memory_kb`` is per machine, while ``h_vmem`` counts per slot,
        so it is divided by the slots on one machine, rounding up.

        Raises:
            ValidationError: ``qos`` is set (Grid Engine has none), or more than one slot
                is asked for without a parallel environment.
        """
        _shell.unsupported(_NAME, [("qos", template.qos)])
        resources = template.resources
        slots_per_machine = resources.cores_per_machine
        slots = resources.num_machines * slots_per_machine
        job_name = _shell.sanitize_job_name(template.job_name, max_length=128, start_alpha=True)
        directives = [
            "#$ -S /bin/bash",
            f"#$ -N {job_name}",
            f"#$ -o {template.stdout_name}",
            f"#$ -e {template.stderr_name}",
            "#$ -cwd",
        ]
        if template.import_sys_environment:
            directives.append("#$ -V")
        if template.queue_name is not None:
            directives.append(f"#$ -q {template.queue_name}")
        if template.account is not None:
            directives.append(f"#$ -A {template.account}")
        if slots > 1:
            if self._parallel_environment is None:
                raise ValidationError(
                    f"{_NAME}: {slots} slots requested (resources={resources!r}) but no "
                    "parallel environment is configured; construct "
                    "SgeScheduler(parallel_environment=NAME)"
                )
            directives.append(f"#$ -pe {self._parallel_environment} {slots}")
        if template.max_wallclock_seconds is not None:
            directives.append(f"#$ -l h_rt={_shell.format_hms(template.max_wallclock_seconds)}")
        if template.max_memory_kb is not None:
            per_slot = math.ceil(template.max_memory_kb / slots_per_machine)
            directives.append(f"#$ -l h_vmem={per_slot}K")
        return _shell.job_script(template, directives, start_directory='"$SGE_O_WORKDIR"')

    def submit_command(self, script_filename: str) -> str:
        """``qsub -terse``, which prints only the id."""
        script = _shell.check_script_filename(_NAME, script_filename)
        return f"qsub -terse {shlex.quote(script)}"

    def parse_submit_output(self, retval: int, stdout: str, stderr: str) -> str:
        """The id on the first line; qsub says ``Unable to run job: ...`` when it refuses."""
        if retval != 0:
            raise _parse.submit_error(_NAME, "qsub", retval, stdout, stderr)
        first = stdout.strip().splitlines()[0] if stdout.strip() else ""
        if not _JOB_ID.fullmatch(first):
            raise _parse.unparsable_error(_NAME, "qsub -terse", "a job id", stdout)
        return first

    def status_command(self, job_ids: Sequence[str]) -> str:
        """``qstat -xml`` for the remote user's jobs.

        qstat lists jobs by user, not by id; the user's own list is one call however
        many jobs the engine polls, and the engine picks its ids out of the result.
        """
        _shell.check_job_ids(_NAME, job_ids, _JOB_ID)
        return 'qstat -xml -u "$(id -un)"'

    def parse_status_output(self, retval: int, stdout: str, stderr: str) -> dict[str, JobInfo]:
        """One ``JobInfo`` per ``job_list`` element of qstat's XML."""
        if retval != 0:
            raise SchedulerError(_parse.command_error(_NAME, "qstat", retval, stdout, stderr))
        try:
            root = ElementTree.fromstring(_XML_ILLEGAL.sub("?", stdout))
        except ElementTree.ParseError as exc:
            raise SchedulerError(
                f"{_NAME}: qstat -xml printed something that is not XML ({exc}): "
                f"{_parse.quote_output(stdout, 200)!r}"
            ) from exc
        jobs: dict[str, JobInfo] = {}
        for element in root.iter("job_list"):
            info = _job_list(element)
            # Array tasks share a job number; the first (lowest) task stands for the job.
            jobs.setdefault(info.job_id, info)
        return jobs

    def exit_status_command(self, job_ids: Sequence[str]) -> str:
        """``qacct -j`` once per id: qacct takes a single job per call."""
        ids = _shell.check_job_ids(_NAME, job_ids, _JOB_ID)
        return "; ".join(f"qacct -j {shlex.quote(job_id)}" for job_id in ids)

    def parse_exit_status_output(self, retval: int, stdout: str, stderr: str) -> dict[str, int]:
        """``exit_status`` of each accounting record, by ``jobnumber``.

        Grid Engine already reports signals as ``128 + N`` (137 for a qdel'd job). A
        record with ``failed`` set and ``exit_status 0`` means the job never ran its
        script (no shell, no output file), so it is left out rather than read as
        success. Ids qacct does not know ("job id N not found") are left out as well;
        any other complaint on stderr is an error, whatever the exit status of the last
        qacct call was.
        """
        problems = [
            line
            for line in stderr.splitlines()
            if line.strip() and not _QACCT_NOT_FOUND.fullmatch(line.strip())
        ]
        if problems:
            raise SchedulerError(
                _parse.command_error(_NAME, "qacct", retval, stdout, "\n".join(problems))
            )
        codes: dict[str, int] = {}
        for block in _QACCT_SEPARATOR.split(stdout):
            if not block.strip():
                continue
            record = _qacct_record(block)
            job_id = record.get("jobnumber", "")
            exit_match = _LEADING_INT.match(record.get("exit_status", ""))
            failed_match = _LEADING_INT.match(record.get("failed", "0"))
            if not _JOB_ID.fullmatch(job_id) or exit_match is None or failed_match is None:
                raise _parse.unparsable_error(
                    _NAME, "qacct -j", "a record with jobnumber, failed and exit_status", block
                )
            exit_code = int(exit_match.group())
            if exit_code == 0 and int(failed_match.group()) != 0:
                codes.pop(job_id, None)
            else:
                codes[job_id] = exit_code
        return codes

    def kill_command(self, job_id: str) -> str:
        """``qdel ID``."""
        (checked,) = _shell.check_job_ids(_NAME, [job_id], _JOB_ID)
        return f"qdel {shlex.quote(checked)}"

    def parse_kill_output(self, retval: int, stdout: str, stderr: str) -> None:
        """Success, also for ``denied: job "N" does not exist`` (the job is gone)."""
        if retval != 0 and not _QDEL_GONE.search(stdout + stderr):
            raise SchedulerError(_parse.command_error(_NAME, "qdel", retval, stdout, stderr))


def _text(element: ElementTree.Element, tag: str) -> str | None:
    found = element.find(tag)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _job_list(element: ElementTree.Element) -> JobInfo:
    job_id = _text(element, "JB_job_number") or ""
    if not _JOB_ID.fullmatch(job_id):
        raise _parse.unparsable_error(
            _NAME,
            "qstat -xml",
            "a job_list with a JB_job_number",
            ElementTree.tostring(element, encoding="unicode"),
        )
    raw_state = _text(element, "state") or ""
    queue = _text(element, "queue_name")
    return JobInfo(
        job_id=job_id,
        state=_STATES.get(raw_state, JobState.UNDETERMINED),
        raw_state=raw_state,
        title=_text(element, "JB_name"),
        owner=_text(element, "JB_owner"),
        # "all.q@host": the queue instance; the queue is the part before the host.
        queue=queue.split("@", 1)[0] if queue else None,
        num_cpus=_parse.parse_count(_text(element, "slots")),
        submission_time=_parse.parse_timestamp(_text(element, "JB_submission_time"), _TIME_FORMATS),
        dispatch_time=_parse.parse_timestamp(_text(element, "JAT_start_time"), _TIME_FORMATS),
    )


def _qacct_record(block: str) -> dict[str, str]:
    """``key value`` lines of one qacct record (values may contain spaces)."""
    record: dict[str, str] = {}
    for line in block.splitlines():
        key, _, value = line.strip().partition(" ")
        if key:
            record[key] = value.strip()
    return record
