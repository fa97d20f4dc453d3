"""Calculation jobs and parsers for the tests, importable by daemon workers (tests/support
is on their PYTHONPATH).

``ShellJob`` runs a bash script given as an input, so one class covers every job shape a
test needs: a job that fails, sleeps, counts its runs or writes big files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from graphflow import CalcInfo, CalcJob, CodeInfo, ExitCode, Parser, Str

if TYPE_CHECKING:
    from graphflow.engine import ProcessSpec, Sandbox


class ShellJob(CalcJob):
    """Runs ``script`` with the code (a bash); no parser unless the options name one."""

    @classmethod
    def define(cls, spec: ProcessSpec) -> None:
        super().define(spec)
        spec.input("script", valid_type=Str, help="bash text run as the job.")

    def prepare_for_submission(self, folder: Sandbox) -> CalcInfo:
        folder.write_text("job.sh", self.inputs.script.value)
        return CalcInfo(codes_info=[CodeInfo(self.code, ["job.sh"], stdout_name="out.txt")])


class BuggyPrepareJob(ShellJob):
    """prepare_for_submission raises: the plugin's fault, so the job excepts."""

    def prepare_for_submission(self, folder: Sandbox) -> CalcInfo:
        raise ZeroDivisionError("a bug in prepare_for_submission")


class BuggyParser(Parser):
    """parse raises: the plugin's fault, so the job excepts."""

    def parse(self, **kwargs: Any) -> ExitCode | None:
        raise KeyError("a bug in the parser")


class SeesTheVerdict(Parser):
    """Has no opinion (returns None), and records the exit status and message the job's
    node had when it was called: the scheduler's and the command's verdict."""

    seen: ClassVar[list[tuple[int | None, str | None]]] = []

    def parse(self, **kwargs: Any) -> ExitCode | None:
        SeesTheVerdict.seen.append((self.node.exit_status, self.node.exit_message))
        return None


class ForgivesFailures(Parser):
    """Decides that the job went well, whatever its command returned."""

    def parse(self, **kwargs: Any) -> ExitCode | None:
        return ExitCode(0)
