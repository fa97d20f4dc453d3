"""CalcJob (paper, section 2.2.10): a calculation that runs an external code as a batch job.

A subclass declares its inputs and implements :meth:`CalcJob.prepare_for_submission`,
which writes the input files into a sandbox and returns a :class:`CalcInfo`. The engine
does the rest, as transport tasks on the code's computer::

    upload ──> submit ──> update (until the scheduler says done) ──> retrieve ──> parse
      │          │          │                                          │
      │          │          └ the job manager: one status query per computer and poll
      │          └ the scheduler's job id, kept in the checkpoint
      └ remote_folder (RemoteData) output          retrieved (FolderData) output ┘

Progress is kept in the checkpoint (``job``: the next task, the working directory, the
job id), so a job whose worker died continues where it was, and a task that keeps failing
pauses the job at that task (paper, section 2.2.11). This module holds what a process
class needs; the tasks themselves run in :mod:`graphflow.engine._jobs`.
"""

from __future__ import annotations

import dataclasses
import shlex
from typing import TYPE_CHECKING, Any, ClassVar

from graphflow.engine._process import AttributeDict, Process
from graphflow.errors import (
    PortProblem,
    PortValidationError,
    ProcessError,
    UnsupportedOptionError,
    ValidationError,
)
from graphflow.orm import CalcJobNode, Code, FolderData, RemoteData
from graphflow.schedulers import JobResources, JobTemplate, get_scheduler

if TYPE_CHECKING:
    from collections.abc import Mapping

    from graphflow.engine._calcinfo import CalcInfo, Sandbox
    from graphflow.engine._checkpoint import Checkpoint
    from graphflow.engine._spec import ProcessSpec
    from graphflow.orm import Computer, Node, WriteScope

__all__ = ["SUBMIT_SCRIPT", "CalcJob", "JobStep"]

#: the job script's name in the working directory
SUBMIT_SCRIPT = "_graphflow_submit.sh"


class JobStep:
    """The tasks of a job, in order; the checkpoint names the next one to run."""

    UPLOAD = "upload"
    SUBMIT = "submit"
    UPDATE = "update"
    RETRIEVE = "retrieve"
    PARSE = "parse"


_OPTIONS: tuple[tuple[str, Any, Any, str], ...] = (
    # name, valid type, default (None: no default), help
    ("resources", dict, None, "num_machines, num_mpiprocs_per_machine, num_cores_per_mpiproc"),
    ("max_wallclock_seconds", int, None, "the job's wall-clock limit"),
    ("max_memory_kb", int, None, "memory per machine, in KiB"),
    ("queue_name", str, None, "the queue (SLURM partition)"),
    ("account", str, None, "the account charged"),
    ("qos", str, None, "the quality of service (SLURM)"),
    ("custom_scheduler_commands", str, "", "extra scheduler directive lines"),
    ("prepend_text", str, "", "shell text run before the code(s)"),
    ("append_text", str, "", "shell text run after the code(s)"),
    ("environment_variables", dict, None, "variables exported in the job script"),
    ("withmpi", bool, False, "run the code(s) under the computer's MPI command"),
    ("parser_name", str, None, "entry point (graphflow.parsers) of the parser"),
    ("scheduler_stdout", str, "_scheduler-stdout.txt", "file of the script's stdout"),
    ("scheduler_stderr", str, "_scheduler-stderr.txt", "file of the script's stderr"),
    ("additional_retrieve_list", list, None, "more file names or patterns to retrieve"),
)


class CalcJob(Process):
    """A calculation run by an external code on a computer, through its scheduler."""

    node_class: ClassVar[type[CalcJobNode]] = CalcJobNode
    node: CalcJobNode
    entry_point_group: ClassVar[str] = "graphflow.calculations"

    @classmethod
    def define(cls, spec: ProcessSpec) -> None:
        super().define(spec)
        spec.input("code", valid_type=Code, help="The code (executable on a computer) to run.")
        spec.input_namespace(
            "metadata.options", non_db=True, required=False, help="How to run the job."
        )
        for name, kind, default, text in _OPTIONS:
            extra: dict[str, Any] = {} if default is None else {"default": default}
            spec.input(
                f"metadata.options.{name}",
                valid_type=kind,
                required=False,
                non_db=True,
                help=text,
                **extra,
            )
        spec.output("remote_folder", valid_type=RemoteData, help="The job's working directory.")
        spec.output("retrieved", valid_type=FolderData, help="The files fetched after the job.")
        spec.exit_code(
            110, "ERROR_SCHEDULER_OUT_OF_MEMORY", "the scheduler ended the job: out of memory"
        )
        spec.exit_code(
            120,
            "ERROR_SCHEDULER_OUT_OF_WALLTIME",
            "the scheduler ended the job: out of wall-clock time",
        )
        spec.exit_code(130, "ERROR_JOB_FAILED", "the job's command exited with status {status}")
        spec.exit_code(
            140,
            "ERROR_JOB_LOST",
            "the scheduler no longer knows job {job_id} and it left no exit code "
            "(killed outside graphflow, or lost by the scheduler)",
        )

    def __init__(
        self, inputs: Mapping[str, Any] | None = None, *, parent: Process | None = None
    ) -> None:
        super().__init__(inputs, parent=parent)
        #: the job's progress: the next step and what earlier steps learnt (checkpointed)
        self.job: dict[str, Any] = {"step": JobStep.UPLOAD}

    @property
    def options(self) -> AttributeDict:
        """``metadata.options`` with defaults applied."""
        return AttributeDict(self.metadata.get("options", {}))

    @property
    def code(self) -> Code:
        code = self.inputs.get("code")
        if not isinstance(code, Code):
            raise ProcessError(f"{self.process_label()} has no code input")
        return code

    def prepare_for_submission(self, folder: Sandbox) -> CalcInfo:
        """Write the input files into ``folder`` and say how to run and what to fetch."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement prepare_for_submission(folder)"
        )

    def _write_creation(self, scope: WriteScope, *, with_parent_link: bool = True) -> None:
        """Store the job, once its options are known to suit its computer's scheduler;
        they are its attributes (as in AiiDA), so they count in its hash (caching)."""
        self._check_options()
        self.node._set_attribute("options", dict(self.options))
        super()._write_creation(scope, with_parent_link=with_parent_link)

    def _check_options(self) -> None:
        """Refuse options the computer's scheduler cannot honour (SLURM's ``qos`` on a
        direct scheduler, resources it cannot express) before anything is stored, as AiiDA
        validates them with the inputs; the job would otherwise fail only once uploaded.
        Each problem is reported at its option's port (``metadata.options.qos``). The
        scheduler's name is recorded on the code: no store read from a step."""
        code = self.inputs.get("code")
        if not isinstance(code, Code):
            return
        scheduler = code.scheduler or code.computer().scheduler  # codes made before it was recorded
        where = f"on computer {code.computer_label!r} ({scheduler})"
        problems = _option_problems(self.options, scheduler, where)
        if problems:
            raise PortValidationError(self.process_label(), problems)

    # --- the job script -----------------------------------------------------------------

    def job_template(self, calc_info: CalcInfo, computer: Computer, workdir: str) -> JobTemplate:
        """What the scheduler needs to write the job script (every problem named)."""
        options = self.options
        try:
            resources = JobResources(**self._resources(computer))
        except TypeError as exc:
            raise ValidationError(
                f"{self.process_label()}: metadata.options.resources: {exc}"
            ) from None
        prepend = "\n".join(t for t in (computer.prepend_text, options.prepend_text) if t)
        append = "\n".join(t for t in (options.append_text, computer.append_text) if t)
        custom = options.custom_scheduler_commands
        return JobTemplate(
            job_name=f"graphflow-{self.node.pk or self.node.uuid[:8]}",
            working_directory=workdir,
            command=[
                self._command_line(info, computer, resources) for info in calc_info.codes_info
            ],
            resources=resources,
            **_scheduler_options(options),
            custom_scheduler_commands=custom.splitlines() if custom else (),
            prepend_text=prepend,
            append_text=append,
            environment={
                str(k): str(v) for k, v in (options.get("environment_variables") or {}).items()
            },
            stdout_name=options.scheduler_stdout,
            stderr_name=options.scheduler_stderr,
        )

    def _resources(self, computer: Computer) -> dict[str, Any]:
        resources = dict(self.options.get("resources") or {})
        resources.setdefault("num_machines", 1)
        if computer.mpiprocs_per_machine is not None:
            resources.setdefault("num_mpiprocs_per_machine", computer.mpiprocs_per_machine)
        return resources

    def _command_line(self, info: Any, computer: Computer, resources: JobResources) -> str:
        code = info.code
        if not isinstance(code, Code):
            raise ValidationError(f"{self.process_label()}: CodeInfo.code must be a Code node")
        if code.computer_label != computer.label:
            raise ValidationError(
                f"{self.process_label()}: code {code.full_label} is not on computer "
                f"{computer.label!r}, where the job runs"
            )
        words = [code.executable, *(str(p) for p in info.cmdline_params)]
        withmpi = self.options.withmpi if info.withmpi is None else info.withmpi
        line = " ".join(shlex.quote(w) for w in words)
        if withmpi:
            mpirun = computer.mpirun_command.format(
                tot_num_mpiprocs=resources.tot_num_mpiprocs,
                num_machines=resources.num_machines,
                num_mpiprocs_per_machine=resources.num_mpiprocs_per_machine,
            )
            line = f"{mpirun} {line}"
        if info.stdin_name:
            line += f" < {shlex.quote(info.stdin_name)}"
        if info.stdout_name:
            line += f" > {shlex.quote(info.stdout_name)}"
        if info.join_files:
            line += " 2>&1"
        elif info.stderr_name:
            line += f" 2> {shlex.quote(info.stderr_name)}"
        if code.attributes.get("prepend_text"):
            line = f"{code.attributes['prepend_text']}\n{line}"
        if code.attributes.get("append_text"):
            line = f"{line}\n{code.attributes['append_text']}"
        return line

    def retrieve_names(self, calc_info: CalcInfo) -> list[str]:
        """Everything to fetch: the plugin's list, the options' extras, the scheduler files."""
        options = self.options
        names = [
            *calc_info.retrieve_list,
            *(options.get("additional_retrieve_list") or []),
            options.scheduler_stdout,
            options.scheduler_stderr,
        ]
        for info in calc_info.codes_info:
            names += [n for n in (info.stdout_name, info.stderr_name) if n]
        return list(dict.fromkeys(names))

    # --- checkpoints --------------------------------------------------------------------

    def checkpoint(self) -> Checkpoint:
        checkpoint = super().checkpoint()
        checkpoint.extra["job"] = dict(self.job)
        return checkpoint

    def restore(self, checkpoint: Checkpoint, nodes: Mapping[str, Node]) -> None:
        super().restore(checkpoint, nodes)
        job = checkpoint.extra.get("job")
        self.job = dict(job) if isinstance(job, dict) else {"step": JobStep.UPLOAD}


_OPTIONS_PATH = "metadata.options"
#: the options a scheduler turns into directives (or refuses)
_SCHEDULER_OPTIONS = ("max_wallclock_seconds", "max_memory_kb", "queue_name", "account", "qos")


def _scheduler_options(options: Mapping[str, Any]) -> dict[str, Any]:
    return {name: options.get(name) for name in _SCHEDULER_OPTIONS}


def _option_problems(options: Mapping[str, Any], scheduler: str, where: str) -> list[PortProblem]:
    """What the scheduler ``scheduler`` refuses in ``options``, each at its port's path."""
    try:
        resources = JobResources(**{"num_machines": 1, **(options.get("resources") or {})})
    except (TypeError, ValidationError) as exc:
        return [PortProblem(f"{_OPTIONS_PATH}.resources", f"{where}: {exc}")]
    try:
        template = JobTemplate(
            job_name="options-check",
            working_directory="/",
            resources=resources,
            **_scheduler_options(options),
        )
        get_scheduler(scheduler).job_script(template)
    except UnsupportedOptionError as exc:
        return [
            PortProblem(
                _option_path(name), f"{where}: {exc.scheduler} cannot express {name}={value!r}"
            )
            for name, value in exc.options.items()
        ]
    except (TypeError, ValidationError) as exc:
        return [PortProblem(_OPTIONS_PATH, f"{where}: {exc}")]
    return []


def _option_path(name: str) -> str:
    """The port of a job template field: resources live in their own namespace."""
    if name in {field.name for field in dataclasses.fields(JobResources)}:
        return f"{_OPTIONS_PATH}.resources.{name}"
    return f"{_OPTIONS_PATH}.{name}"
