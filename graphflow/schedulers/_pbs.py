"""Reading the output PBS Professional and Torque share: ``qstat -f``, ``qsub``, ``qdel``.

Both descend from OpenPBS and print ``qstat -f`` the same way (PBS Professional
Reference Guide, "qstat"; Torque Administrator Guide, "qstat")::

    Job Id: 123.server
        Job_Name = relax
        job_state = R
        Variable_List = PBS_O_HOME=/home/alice,PBS_O_LANG=C.UTF-8,
    <TAB>PBS_O_LOGNAME=alice,PBS_O_WORKDIR=/scratch/alice/relax
                                      <- a blank line ends the record

Attributes are indented by four spaces; a value too long for one line continues on the
next line after a tab. qstat breaks such values after a comma (some versions anywhere),
and the comma stays on the first line, so continuations are joined without a separator.
The schedulers differ in attribute names (``Exit_status`` in PBS Pro, ``exit_status`` in
Torque) and states, which each scheduler module supplies.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from graphflow.errors import SchedulerError
from graphflow.schedulers import _parse
from graphflow.schedulers._exit_code import exit_code_from_signal
from graphflow.schedulers._job import JobInfo, JobState

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "JOB_ID",
    "QstatRecord",
    "check_kill_output",
    "exit_code",
    "job_info",
    "parse_qstat_full",
    "parse_submit_output",
    "status_records",
]

# ``123``, ``123.server.domain``, array jobs ``123[]`` and subjobs ``123[4]``.
JOB_ID: Final = re.compile(r"[0-9]+(?:\[[0-9]*\])?(?:\.[A-Za-z0-9][A-Za-z0-9.-]*)?")
_JOB_ID_LINE: Final = re.compile(r"Job Id:\s*(?P<id>\S+)\s*")
_ATTRIBUTE: Final = re.compile(r"\s+(?P<key>[A-Za-z_][A-Za-z0-9_.]*) = ?(?P<value>.*)")
# ``qstat``/``qdel`` about ids the server no longer knows: "Unknown Job Id" (Torque adds
# "Error"), and PBS Pro's "Job has finished" for a job only in its history.
_GONE_LINE: Final = re.compile(
    r"(?:qstat|qdel): (?:Unknown Job Id(?: Error)? \S+|\S+ Job has finished.*|Job has finished \S+)"
)
_TIME_FORMATS: Final = ("%a %b %d %H:%M:%S %Y",)

QstatRecord = tuple[str, dict[str, str]]
"""A job id and its attributes, as ``qstat -f`` printed them."""


def parse_qstat_full(scheduler: str, text: str) -> list[QstatRecord]:
    """Every job record of ``qstat -f`` output, in order.

    Raises:
        SchedulerError: a line that is neither a ``Job Id:`` header, an attribute, a
            continuation nor blank; the message quotes it.
    """
    records: list[QstatRecord] = []
    attributes: dict[str, str] = {}
    last_key: str | None = None
    for line in text.splitlines():
        header = _JOB_ID_LINE.fullmatch(line)
        if header is not None:
            attributes = {}
            records.append((header["id"], attributes))
            last_key = None
            continue
        if not line.strip():
            last_key = None
            continue
        if line.startswith("\t") and last_key is not None:
            attributes[last_key] += line[1:].rstrip("\n")
            continue
        attribute = _ATTRIBUTE.fullmatch(line)
        if attribute is None or not records:
            raise _parse.unparsable_error(
                scheduler, "qstat -f", "'Job Id: ID' or an indented 'name = value'", line
            )
        last_key = attribute["key"]
        attributes[last_key] = attribute["value"]
    return records


def status_records(
    scheduler: str, command: str, retval: int, stdout: str, stderr: str
) -> list[QstatRecord]:
    """The records of a ``qstat -f`` run, tolerating ids the server no longer knows.

    qstat prints the jobs it knows and complains on stderr, with a non-zero exit status,
    about the others; those are simply absent. Any other complaint is an error.

    Raises:
        SchedulerError: qstat failed for another reason, or printed something unreadable.
    """
    problems = [
        line for line in stderr.splitlines() if line.strip() and not _GONE_LINE.match(line.strip())
    ]
    if retval != 0 and (problems or not stderr.strip()):
        raise SchedulerError(_parse.command_error(scheduler, command, retval, stdout, stderr))
    return parse_qstat_full(scheduler, stdout)


def exit_code(value: str | None) -> int | None:
    """A PBS exit status in our convention: ``256 + N`` (killed by signal N) → ``128 + N``.

    Negative values are PBS's own "could not run the job" codes and are kept.
    """
    if value is None:
        return None
    text = value.strip()
    if not re.fullmatch(r"-?[0-9]+", text):
        return None
    code = int(text)
    if code > 256:
        return exit_code_from_signal(code - 256)
    return code


def job_info(
    job_id: str,
    attributes: Mapping[str, str],
    states: Mapping[str, JobState],
    *,
    exit_status_key: str,
    dispatch_time_key: str,
    num_cpus: int | None,
) -> JobInfo:
    """The ``JobInfo`` of one ``qstat -f`` record."""
    raw_state = attributes.get("job_state", "").strip()
    state = states.get(raw_state, JobState.UNDETERMINED)
    owner = attributes.get("Job_Owner")
    return JobInfo(
        job_id=job_id,
        state=state,
        raw_state=raw_state,
        exit_code=exit_code(attributes.get(exit_status_key)) if state is JobState.DONE else None,
        title=attributes.get("Job_Name"),
        # "alice@login01": the user, without the host the job was submitted from.
        owner=owner.split("@", 1)[0] if owner else None,
        queue=attributes.get("queue"),
        annotation=attributes.get("comment"),
        num_machines=_parse.parse_count(attributes.get("Resource_List.nodect")),
        num_cpus=num_cpus,
        wallclock_seconds=_parse.parse_duration(attributes.get("resources_used.walltime")),
        requested_wallclock_seconds=_parse.parse_duration(attributes.get("Resource_List.walltime")),
        submission_time=_parse.parse_timestamp(attributes.get("ctime"), _TIME_FORMATS),
        dispatch_time=_parse.parse_timestamp(attributes.get(dispatch_time_key), _TIME_FORMATS),
    )


def parse_submit_output(scheduler: str, retval: int, stdout: str, stderr: str) -> str:
    """The id qsub prints (``123.server``); qsub's refusal becomes a submit error.

    Raises:
        SchedulerSubmitError: qsub refused the script; the message carries its words.
        SchedulerError: qsub succeeded but printed no job id.
    """
    if retval != 0:
        raise _parse.submit_error(scheduler, "qsub", retval, stdout, stderr)
    first = stdout.strip().splitlines()[0].strip() if stdout.strip() else ""
    if not JOB_ID.fullmatch(first):
        raise _parse.unparsable_error(scheduler, "qsub", "a job id such as 123.server", stdout)
    return first


def check_kill_output(scheduler: str, retval: int, stdout: str, stderr: str) -> None:
    """Accept qdel's success and its "the job is gone" answers; raise on anything else.

    Raises:
        SchedulerError: qdel refused; the message carries its words, which name the job.
    """
    if retval == 0:
        return
    lines = [line.strip() for line in (stdout + "\n" + stderr).splitlines() if line.strip()]
    if lines and all(_GONE_LINE.match(line) for line in lines):
        return
    raise SchedulerError(_parse.command_error(scheduler, "qdel", retval, stdout, stderr))
