"""Shell text every scheduler writes the same way: job-script bodies and quoted arguments.

Each scheduler contributes only its directive lines; the body below them (environment,
working directory, prepend text, command, exit-code file, append text) is written here
once, so the exit-code contract holds for every scheduler by construction::

    #!/bin/bash
    <directives of the scheduler>
    <custom_scheduler_commands>

    export NAME='value'                      environment, quoted
    cd '/abs/workdir' || exit 1              working directory, quoted
    <prepend_text>
    <command lines>
    graphflow_exit_code=$?
    echo "$graphflow_exit_code" > '/abs/workdir'/.graphflow_exit_code
    <append_text>
    exit "$graphflow_exit_code"

The script ends with the command's exit code, not with that of its last line, so the
scheduler's own records (``sacct``, ``qacct``, ``Exit_status``) agree with the file.
"""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING

from graphflow.errors import UnsupportedOptionError, ValidationError
from graphflow.schedulers._exit_code import EXIT_CODE_FILENAME

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from graphflow.schedulers._job import JobTemplate

__all__ = [
    "check_job_ids",
    "check_script_filename",
    "format_hms",
    "job_script",
    "sanitize_job_name",
    "unsupported",
]

_NOT_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.-]+")
_SCRIPT_FILENAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")
_EXIT_CODE_VARIABLE = "graphflow_exit_code"


def check_job_ids(scheduler: str, job_ids: Iterable[object], shape: re.Pattern[str]) -> list[str]:
    """Return ``job_ids`` as a list once every one of them has the scheduler's id shape.

    Ids are interpolated into shell commands; checking their shape (as well as quoting
    them) means a corrupted id fails loudly here instead of reaching a shell.

    Raises:
        ValidationError: naming every id that does not match, and the expected shape.
    """
    ids = list(job_ids)
    bad = [job_id for job_id in ids if not isinstance(job_id, str) or not shape.fullmatch(job_id)]
    if bad:
        shown = ", ".join(repr(job_id) for job_id in bad)
        raise ValidationError(
            f"{scheduler}: not a job id: {shown}; expected ids matching {shape.pattern!r}"
        )
    return [job_id for job_id in ids if isinstance(job_id, str)]


def check_script_filename(scheduler: str, filename: str) -> str:
    """Return ``filename`` once it is a plain file name in the working directory.

    Submit commands run in the working directory and only ever name the script the
    engine uploaded there, so anything with a slash, a space or a leading dash is a bug.

    Raises:
        ValidationError: naming the file name and the expected shape.
    """
    if not isinstance(filename, str) or not _SCRIPT_FILENAME.fullmatch(filename):
        raise ValidationError(
            f"{scheduler}: {filename!r} is not a script file name; expected a name in the "
            f"working directory matching {_SCRIPT_FILENAME.pattern!r}"
        )
    return filename


def sanitize_job_name(name: str, *, max_length: int, start_alpha: bool = False) -> str:
    """Make ``name`` safe to write into a directive line.

    Directive lines are parsed by the scheduler, not by the shell, so quoting cannot
    protect them; a newline in a name would even start a shell line. The job name is
    only a label, so we replace what could be unsafe instead of rejecting it.

    Args:
        name: the label the engine chose.
        max_length: the longest name the scheduler accepts.
        start_alpha: whether the scheduler wants the name to start with a letter.
    """
    cleaned = _NOT_NAME_CHARS.sub("_", name).strip("_") or "graphflow"
    if start_alpha and not cleaned[0].isalpha():
        cleaned = "j" + cleaned
    return cleaned[:max_length]


def format_hms(seconds: int) -> str:
    """``seconds`` as ``H:MM:SS``, which SGE, PBS Pro and Torque all accept as a limit."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def _export_lines(template: JobTemplate) -> list[str]:
    return [f"export {name}={shlex.quote(value)}" for name, value in template.environment.items()]


def job_script(
    template: JobTemplate,
    directives: Sequence[str],
    *,
    start_directory: str | None,
) -> str:
    """The job script for ``template`` under the scheduler's ``directives``.

    Args:
        template: the job to run.
        directives: complete directive lines of the scheduler (``#SBATCH ...``), each a
            single line; ``custom_scheduler_commands`` follow them.
        start_directory: a shell word naming the directory the scheduler starts the job
            in when ``template.working_directory`` is ``None`` (``"$PBS_O_WORKDIR"``),
            or ``None`` when the job already starts there.
    """
    if template.working_directory is not None:
        directory: str | None = shlex.quote(template.working_directory)
    else:
        directory = start_directory
    exit_code_path = (
        f"{directory}/{EXIT_CODE_FILENAME}" if directory is not None else EXIT_CODE_FILENAME
    )
    lines = ["#!/bin/bash", *directives, *template.custom_scheduler_commands, ""]
    lines.extend(_export_lines(template))
    if directory is not None:
        lines.append(f"cd {directory} || exit 1")
    if template.prepend_text:
        lines.extend(["", template.prepend_text.rstrip("\n")])
    lines.append("")
    lines.extend(template.command)
    # Taken straight after the command, so ``$?`` is the command's; the scheduler may
    # forget it (SLURM without accounting, direct), the file does not.
    lines.append(f"{_EXIT_CODE_VARIABLE}=$?")
    lines.append(f'echo "${_EXIT_CODE_VARIABLE}" > {exit_code_path}')
    if template.append_text:
        lines.extend(["", template.append_text.rstrip("\n")])
    lines.append(f'exit "${_EXIT_CODE_VARIABLE}"')
    return "\n".join(lines) + "\n"


def unsupported(scheduler: str, fields: Iterable[tuple[str, object]]) -> None:
    """Raise if any of ``fields`` (name, value) is set: the scheduler cannot express it.

    Silently dropping a limit the user asked for would run a job without it, so every
    scheduler rejects the options it has no directive for, all at once.

    Raises:
        UnsupportedOptionError: naming every set field and its value.
    """
    refused = {name: value for name, value in fields if value is not None}
    if refused:
        raise UnsupportedOptionError(scheduler, refused)
