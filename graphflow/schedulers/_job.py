"""The values a scheduler plugin consumes and produces: job descriptions and job records.

A ``JobTemplate`` is what the engine asks for; a ``JobInfo`` is what a scheduler reports
about one job. Both are plain frozen values, so they can be built in tests, compared and
logged without a scheduler. Validation happens once, at construction, and names the field,
the value given and what was expected, listing every problem at once (style 6.2).

Exit codes in these records follow the shell's convention whatever the scheduler: ``0-255``
for a normal exit, ``128 + N`` for a job ended by signal ``N``, and a negative number only
where the scheduler itself says it could not run the job (PBS ``JOB_EXEC_*`` codes).
"""

from __future__ import annotations

import dataclasses
import enum
import re
import types
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from graphflow.errors import ValidationError

if TYPE_CHECKING:
    import datetime

__all__ = ["JobInfo", "JobResources", "JobState", "JobTemplate"]

# A word that can stand in a scheduler directive line (``#SBATCH --account=VALUE``) as it
# is. Directives are read by the scheduler, not by the shell, so shell quoting does not
# protect them: a newline would end the comment and start a shell line. Allowing only
# these characters is what makes a directive safe.
_DIRECTIVE_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:@+=,-]*")
# A file name the scheduler writes its own output to, relative to the working directory.
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class JobState(enum.Enum):
    """Where a job is in the scheduler's life cycle, the same for every scheduler.

    Each scheduler maps its native states onto these. A native state a scheduler does not
    know maps to ``UNDETERMINED`` and the native text is kept in ``JobInfo.raw_state``,
    so a new scheduler version cannot crash the poll.
    """

    UNDETERMINED = "undetermined"
    QUEUED = "queued"
    QUEUED_HELD = "queued_held"
    RUNNING = "running"
    SUSPENDED = "suspended"
    DONE = "done"

    def __str__(self) -> str:
        return self.value


def _is_int(value: object) -> bool:
    # bool is an int subclass, and ``num_machines=True`` is a mistake, not a count.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_positive(problems: list[str], field: str, value: object, *, optional: bool) -> None:
    if optional and value is None:
        return
    expected = "a positive int or None" if optional else "a positive int"
    if not _is_int(value):
        problems.append(f"{field}: expected {expected}, got {value!r} ({type(value).__name__})")
    elif isinstance(value, int) and value < 1:
        problems.append(f"{field}: expected {expected}, got {value!r}")


def _raise_problems(owner: str, problems: list[str]) -> None:
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        raise ValidationError(f"{owner}: {count} {noun}:\n{lines}")


@dataclasses.dataclass(frozen=True, slots=True)
class JobResources:
    """The machines and processes a job asks for.

    Attributes:
        num_machines: how many machines (nodes) to allocate.
        num_mpiprocs_per_machine: MPI processes started on each machine.
        num_cores_per_mpiproc: cores given to each MPI process (threads); ``None`` leaves
            it to the scheduler's default, which is one core on every supported scheduler.
    """

    num_machines: int = 1
    num_mpiprocs_per_machine: int = 1
    num_cores_per_mpiproc: int | None = None

    def __post_init__(self) -> None:
        problems: list[str] = []
        _check_positive(problems, "num_machines", self.num_machines, optional=False)
        _check_positive(
            problems, "num_mpiprocs_per_machine", self.num_mpiprocs_per_machine, optional=False
        )
        _check_positive(
            problems, "num_cores_per_mpiproc", self.num_cores_per_mpiproc, optional=True
        )
        _raise_problems("JobResources", problems)

    @property
    def tot_num_mpiprocs(self) -> int:
        """MPI processes over all machines."""
        return self.num_machines * self.num_mpiprocs_per_machine

    @property
    def cores_per_machine(self) -> int:
        """Cores to reserve on each machine (processes times cores per process)."""
        return self.num_mpiprocs_per_machine * (self.num_cores_per_mpiproc or 1)


def _check_text(problems: list[str], field: str, value: object, *, optional: bool) -> bool:
    """Append a problem unless ``value`` is a ``str`` (or ``None`` when optional)."""
    if optional and value is None:
        return False
    if not isinstance(value, str):
        expected = "a str or None" if optional else "a str"
        problems.append(f"{field}: expected {expected}, got {value!r} ({type(value).__name__})")
        return False
    return True


def _check_word(problems: list[str], field: str, value: object, pattern: re.Pattern[str]) -> None:
    text_ok = _check_text(problems, field, value, optional=True)
    if text_ok and isinstance(value, str) and not pattern.fullmatch(value):
        problems.append(
            f"{field}: {value!r} cannot be written into a scheduler directive safely; "
            f"expected a value matching {pattern.pattern!r}"
        )


def _check_lines(problems: list[str], field: str, value: object, *, one_line_each: bool) -> None:
    if isinstance(value, str) or not isinstance(value, Sequence):
        problems.append(
            f"{field}: expected a sequence of str (one per line), got {value!r} "
            f"({type(value).__name__})"
        )
        return
    for index, line in enumerate(value):
        if not isinstance(line, str):
            problems.append(f"{field}[{index}]: expected a str, got {line!r}")
        elif one_line_each and ("\n" in line or "\r" in line):
            problems.append(f"{field}[{index}]: expected a single line, got {line!r}")
        elif "\0" in line:
            problems.append(f"{field}[{index}]: NUL bytes cannot be written to a script")


@dataclasses.dataclass(frozen=True, slots=True)
class JobTemplate:
    """Everything a scheduler needs to write one job script.

    Values that end up in the shell part of the script (``working_directory``,
    ``environment`` values) are quoted by the scheduler, so any text is safe there.
    Values that end up in scheduler directives (queue, account, qos, output file names)
    cannot be quoted and are restricted to plain words; ``job_name`` is instead sanitised
    by each scheduler, because it is a label, not a contract.

    Attributes:
        job_name: a human label shown by the scheduler's status command.
        working_directory: absolute path on the remote machine where the job runs and
            where the exit-code file is written; ``None`` means the directory the submit
            command ran in (the engine runs it in the working directory).
        command: shell lines that run the code, already built and quoted by the engine.
            The exit code of the last line is the job's exit code.
        resources: machines and processes to allocate.
        max_wallclock_seconds: wall-clock limit; ``None`` leaves the queue's default.
        max_memory_kb: memory limit per machine in KiB; ``None`` leaves the default.
        queue_name: the queue (the partition, for SLURM).
        account: the account charged for the job.
        qos: the quality of service (SLURM only).
        custom_scheduler_commands: extra raw directive lines, written after ours, for
            options this template has no field for.
        prepend_text: raw shell text run before the command.
        append_text: raw shell text run after the command and after its exit code is
            saved, so its own failures do not hide the command's exit code.
        environment: variables exported before ``prepend_text``; values are quoted.
        stdout_name: file the scheduler writes the script's standard output to.
        stderr_name: file the scheduler writes the script's standard error to.
        import_sys_environment: whether the job inherits the submitting shell's
            environment, where the scheduler can choose.
    """

    job_name: str = "graphflow"
    working_directory: str | None = None
    command: Sequence[str] = ()
    resources: JobResources = dataclasses.field(default_factory=JobResources)
    max_wallclock_seconds: int | None = None
    max_memory_kb: int | None = None
    queue_name: str | None = None
    account: str | None = None
    qos: str | None = None
    custom_scheduler_commands: Sequence[str] = ()
    prepend_text: str = ""
    append_text: str = ""
    environment: Mapping[str, str] = dataclasses.field(default_factory=dict)
    stdout_name: str = "_scheduler-stdout.txt"
    stderr_name: str = "_scheduler-stderr.txt"
    import_sys_environment: bool = True

    def __post_init__(self) -> None:
        problems: list[str] = []
        _check_text(problems, "job_name", self.job_name, optional=False)
        wd = self.working_directory
        if _check_text(problems, "working_directory", wd, optional=True) and isinstance(wd, str):
            if not wd.startswith("/"):
                problems.append(f"working_directory: expected an absolute path, got {wd!r}")
            elif "\0" in wd:
                problems.append(f"working_directory: NUL bytes are not allowed in {wd!r}")
        _check_lines(problems, "command", self.command, one_line_each=False)
        if not isinstance(self.resources, JobResources):
            problems.append(
                f"resources: expected a JobResources, got {self.resources!r} "
                f"({type(self.resources).__name__})"
            )
        _check_positive(
            problems, "max_wallclock_seconds", self.max_wallclock_seconds, optional=True
        )
        _check_positive(problems, "max_memory_kb", self.max_memory_kb, optional=True)
        _check_word(problems, "queue_name", self.queue_name, _DIRECTIVE_WORD)
        _check_word(problems, "account", self.account, _DIRECTIVE_WORD)
        _check_word(problems, "qos", self.qos, _DIRECTIVE_WORD)
        _check_lines(
            problems,
            "custom_scheduler_commands",
            self.custom_scheduler_commands,
            one_line_each=True,
        )
        for field in ("prepend_text", "append_text"):
            value = getattr(self, field)
            if _check_text(problems, field, value, optional=False) and "\0" in value:
                problems.append(f"{field}: NUL bytes cannot be written to a script")
        self._check_environment(problems)
        for field in ("stdout_name", "stderr_name"):
            value = getattr(self, field)
            if _check_text(problems, field, value, optional=False):
                _check_word(problems, field, value, _FILE_NAME)
        if not isinstance(self.import_sys_environment, bool):
            problems.append(
                f"import_sys_environment: expected a bool, got {self.import_sys_environment!r}"
            )
        _raise_problems("JobTemplate", problems)
        # Freeze the containers too, so a template cannot change after validation.
        object.__setattr__(self, "command", tuple(self.command))
        object.__setattr__(self, "custom_scheduler_commands", tuple(self.custom_scheduler_commands))
        object.__setattr__(self, "environment", types.MappingProxyType(dict(self.environment)))

    def _check_environment(self, problems: list[str]) -> None:
        if not isinstance(self.environment, Mapping):
            problems.append(
                f"environment: expected a mapping of str to str, got {self.environment!r}"
            )
            return
        for name, value in self.environment.items():
            if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
                problems.append(
                    f"environment: {name!r} is not a shell variable name "
                    f"(expected {_ENV_NAME.pattern!r})"
                )
            if not isinstance(value, str):
                problems.append(f"environment[{name!r}]: expected a str, got {value!r}")
            elif "\0" in value:
                problems.append(f"environment[{name!r}]: NUL bytes cannot be exported")


@dataclasses.dataclass(frozen=True, slots=True)
class JobInfo:
    """What a scheduler's status or accounting output says about one job.

    Only ``job_id``, ``state`` and ``raw_state`` are always known; every other field is
    ``None`` where the scheduler's output does not carry it. Times are naive datetimes in
    the scheduler host's local time, as the scheduler prints them.

    Attributes:
        job_id: the scheduler's id, in the form its submit command printed.
        state: the native state mapped onto ``JobState``.
        raw_state: the native state text, kept for diagnostics and unknown states.
        exit_code: the job's exit code where the status output already reports it.
        title: the job name the scheduler shows.
        owner: the user the job runs as.
        queue: the queue (partition) the job is in.
        annotation: the scheduler's reason or comment (why pending, why failed).
        num_machines: machines allocated (or requested, while pending).
        num_cpus: cores or slots allocated (or requested).
        wallclock_seconds: wall-clock time used so far.
        requested_wallclock_seconds: the job's wall-clock limit.
        submission_time: when the job was submitted.
        dispatch_time: when the job started running.
    """

    job_id: str
    state: JobState
    raw_state: str
    exit_code: int | None = None
    title: str | None = None
    owner: str | None = None
    queue: str | None = None
    annotation: str | None = None
    num_machines: int | None = None
    num_cpus: int | None = None
    wallclock_seconds: int | None = None
    requested_wallclock_seconds: int | None = None
    submission_time: datetime.datetime | None = None
    dispatch_time: datetime.datetime | None = None
