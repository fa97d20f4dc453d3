"""The ``Scheduler`` protocol: what the engine may ask of every batch-scheduler plugin.

A scheduler is pure: it writes text (job scripts, shell commands) and reads text (the
output of those commands). The engine runs the commands through a transport and feeds the
results back, which keeps schedulers testable on recorded output and free of I/O::

    engine                                   scheduler (pure)           remote host
    ------                                   ----------------           -----------
    template ---------------------------->  job_script()  --> script --> upload
    script name ------------------------->  submit_command() --> cmd --> run in workdir
    (retval, stdout, stderr) ------------>  parse_submit_output() --> job id
    every job id of one computer -------->  status_command() -----> cmd --> run once
    (retval, stdout, stderr) ------------>  parse_status_output() --> {id: JobInfo}
    a finished job with no exit-code file ->  exit_status_command() --> cmd or None
    (retval, stdout, stderr) ------------>  parse_exit_status_output() --> {id: code}
    job id ------------------------------>  kill_command() -------> cmd
    (retval, stdout, stderr) ------------>  parse_kill_output() --> None or error

The engine reads a finished job's exit code from ``EXIT_CODE_FILENAME``, which the job
script writes in the working directory; only when the file is missing (the scheduler
killed the job before its command ended) does it ask ``exit_status_command``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from graphflow.schedulers._job import JobInfo, JobTemplate

__all__ = ["Scheduler"]


@runtime_checkable
class Scheduler(Protocol):
    """A batch scheduler, as the engine sees it.

    Every method is a pure function of its arguments: no I/O, no clock, no state kept
    between calls, so one instance may serve every job of every computer. Commands are
    ``sh``-compatible strings in which every interpolated value is shell-quoted, and job
    ids are checked against the scheduler's id shape before they are interpolated, so a
    corrupted id raises ``ValidationError`` instead of reaching a shell.
    """

    @property
    def name(self) -> str:
        """The entry-point name, such as ``core.slurm``."""
        ...

    def job_script(self, template: JobTemplate) -> str:
        """The complete job script for ``template``.

        The script runs ``template.command`` in the working directory, writes its exit
        code to ``EXIT_CODE_FILENAME`` there before ``append_text``, and ends with that
        exit code.

        Raises:
            ValidationError: the template asks for something this scheduler cannot
                express; the message names every such field.
        """
        ...

    def submit_command(self, script_filename: str) -> str:
        """The command that submits ``script_filename``, run in the working directory."""
        ...

    def parse_submit_output(self, retval: int, stdout: str, stderr: str) -> str:
        """The job id from the output of ``submit_command``.

        Raises:
            SchedulerSubmitError: the scheduler rejected the script; the message carries
                the scheduler's own words.
            SchedulerError: the output holds no job id.
        """
        ...

    def status_command(self, job_ids: Sequence[str]) -> str:
        """One command that reports the state of every job in ``job_ids`` at once."""
        ...

    def parse_status_output(self, retval: int, stdout: str, stderr: str) -> dict[str, JobInfo]:
        """The jobs found in the output of ``status_command``, by job id.

        A job the scheduler no longer knows is absent from the result, not an error: the
        engine treats it as finished and asks for its exit status.

        Raises:
            SchedulerError: the command failed or its output cannot be understood.
        """
        ...

    def exit_status_command(self, job_ids: Sequence[str]) -> str | None:
        """A command reporting the exit codes of finished jobs, or ``None`` if there is none."""
        ...

    def parse_exit_status_output(self, retval: int, stdout: str, stderr: str) -> dict[str, int]:
        """The exit codes found in the output of ``exit_status_command``, by job id.

        Jobs the scheduler has no exit code for are absent.

        Raises:
            SchedulerError: the command failed or its output cannot be understood.
        """
        ...

    def kill_command(self, job_id: str) -> str:
        """The command that asks the scheduler to end ``job_id``."""
        ...

    def parse_kill_output(self, retval: int, stdout: str, stderr: str) -> None:
        """Check the output of ``kill_command``.

        Killing a job the scheduler no longer knows succeeds: the job is not running,
        which is what was asked.

        Raises:
            SchedulerError: the scheduler refused; the message carries its words, which
                name the job.
        """
        ...
