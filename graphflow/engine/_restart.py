"""``BaseRestartWorkChain``: run a sub-process until it succeeds, handling its failures.

As AiiDA's ``aiida.engine.BaseRestartWorkChain``: a subclass names the process it runs
(``_process_class``), puts that process's inputs in ``self.ctx.inputs`` in its ``setup``,
and declares *process handlers*: methods decorated with :func:`process_handler` that look
at a finished child and may change ``self.ctx.inputs`` for the next try, or stop the work
chain with an exit code. After each child, the handlers that match its exit status are
called in order of priority (highest first); a handler returns ``None`` (it did nothing)
or a :class:`ProcessHandlerReport`. The rules:

- a child that excepted or was killed ends the work chain (301, 302);
- a failed child that no handler reported on ends the work chain (402), as AiiDA 2.9's
  default ``on_unhandled_failure="abort"``; with ``"restart_once"`` (AiiDA's earlier
  rule) it is run once more, and a second unhandled failure in a row ends it;
- a report whose exit code is 0 restarts; a non-zero one ends the work chain with it;
- after ``max_iterations`` children without success the work chain ends (401);
- a successful child that no handler reported on is the result: its outputs that the
  spec exposes become the work chain's.

``handler_overrides`` (a ``Dict``) switches handlers on or off, and changes their
priority, for one run: ``{"handle_out_of_walltime": False}`` or
``{"handle_out_of_walltime": {"enabled": True, "priority": 500}}``. With ``clean_workdir``
the remote working directories of every CalcJob the work chain ran are removed once it
terminates, whatever its outcome.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from graphflow.engine._exit_codes import ExitCode
from graphflow.engine._ports import PortNamespace
from graphflow.engine._process import AttributeDict
from graphflow.engine._workchain import ToContext, WorkChain, append_
from graphflow.errors import ProcessError
from graphflow.orm import Bool, CalcJobNode, Dict, Int, RemoteData, Str

if TYPE_CHECKING:
    from graphflow.engine._process import Process
    from graphflow.engine._runner import Runner
    from graphflow.engine._spec import ProcessSpec
    from graphflow.orm import ProcessNode

__all__ = ["BaseRestartWorkChain", "ProcessHandlerReport", "process_handler"]


class ProcessHandlerReport(NamedTuple):
    """What a process handler did: ``exit_code`` 0 restarts the child, a non-zero one ends
    the work chain with it; ``do_break`` skips the handlers of lower priority."""

    do_break: bool = False
    exit_code: ExitCode = ExitCode()


Handler = Callable[[Any, Any], ProcessHandlerReport | None]


def process_handler(
    wrapped: Handler | None = None,
    *,
    priority: int = 0,
    exit_codes: ExitCode | list[ExitCode] | None = None,
    enabled: bool = True,
) -> Any:
    """Declare a method ``handler(self, node)`` of a :class:`BaseRestartWorkChain` a
    process handler: called after each child (only for those whose exit status is one of
    ``exit_codes``, if given), in order of ``priority`` (highest first); ``enabled=False``
    makes it opt-in through ``handler_overrides``. Usable bare (``@process_handler``)."""
    if wrapped is None:
        return functools.partial(
            process_handler, priority=priority, exit_codes=exit_codes, enabled=enabled
        )
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise TypeError(f"process_handler {wrapped.__name__}: priority must be an int")
    if not isinstance(enabled, bool):
        raise TypeError(f"process_handler {wrapped.__name__}: enabled must be a bool")
    codes = [exit_codes] if isinstance(exit_codes, ExitCode) else exit_codes
    if codes is not None and not all(isinstance(code, ExitCode) for code in codes):
        raise TypeError(
            f"process_handler {wrapped.__name__}: exit_codes must be an ExitCode or a list of them"
        )
    statuses = None if codes is None else {code.status for code in codes}

    @functools.wraps(wrapped)
    def handler(self: Any, node: ProcessNode) -> ProcessHandlerReport | None:
        if statuses is not None and node.exit_status not in statuses:
            return None
        return wrapped(self, node)

    handler.decorator = process_handler  # type: ignore[attr-defined]
    handler.priority = priority  # type: ignore[attr-defined]
    handler.enabled = enabled  # type: ignore[attr-defined]
    handler.exit_codes = codes  # type: ignore[attr-defined]
    return handler


def _validate_handler_overrides(
    process_class: type[BaseRestartWorkChain], value: Any, port: Any = None
) -> str | None:
    """``{name: bool}`` or ``{name: {"enabled": bool, "priority": int}}``, each name a
    process handler of ``process_class``."""
    if value is None:
        return None
    overrides = value.get_dict() if isinstance(value, Dict) else value
    for name, override in overrides.items():
        if not process_class.is_process_handler(name):
            return f"{name!r} is not a process handler of {process_class.__name__}"
        if isinstance(override, bool):
            continue
        if not isinstance(override, Mapping) or set(override) - {"enabled", "priority"}:
            return (
                f"the override of handler {name!r} must be a bool or a dict with the keys "
                f"'enabled' and 'priority', not {override!r}"
            )
        if "enabled" in override and not isinstance(override["enabled"], bool):
            return f"handler {name!r}: 'enabled' must be a bool"
        if "priority" in override and (
            not isinstance(override["priority"], int) or isinstance(override["priority"], bool)
        ):
            return f"handler {name!r}: 'priority' must be an int"
    return None


class BaseRestartWorkChain(WorkChain):
    """Run ``_process_class`` until it succeeds, calling process handlers on failures.

    A subclass sets ``_process_class``, fills ``self.ctx.inputs`` in its ``setup`` (after
    ``super().setup()``) and declares an outline such as::

        spec.outline(
            cls.setup,
            while_(cls.should_run_process)(cls.run_process, cls.inspect_process),
            cls.results,
        )
    """

    _process_class: ClassVar[type[Process] | None] = None

    @classmethod
    def define(cls, spec: ProcessSpec) -> None:
        super().define(spec)
        spec.input(
            "max_iterations",
            valid_type=Int,
            default=lambda: Int(5),
            validator=_positive,
            help="How many times the sub-process may run.",
        )
        spec.input(
            "clean_workdir",
            valid_type=Bool,
            default=lambda: Bool(False),
            help="Remove the remote working directories of the CalcJobs run, at the end.",
        )
        spec.input(
            "handler_overrides",
            valid_type=Dict,
            required=False,
            validator=functools.partial(_validate_handler_overrides, cls),
            help="Per handler: enable or disable it, or change its priority, for this run.",
        )
        spec.exit_code(301, "ERROR_SUB_PROCESS_EXCEPTED", "the sub process excepted")
        spec.exit_code(302, "ERROR_SUB_PROCESS_KILLED", "the sub process was killed")
        spec.exit_code(
            401,
            "ERROR_MAXIMUM_ITERATIONS_EXCEEDED",
            "the maximum number of iterations was exceeded",
        )
        spec.input(
            "on_unhandled_failure",
            valid_type=Str,
            default=lambda: Str("abort"),
            validator=_unhandled_failure_mode,
            help="What a failure no handler takes does: 'abort', or 'restart_once'.",
        )
        spec.exit_code(
            402, "ERROR_UNHANDLED_FAILURE", "The process failed with an unhandled failure."
        )

    @property
    def process_class(self) -> type[Process]:
        if self._process_class is None:
            raise ValueError(f"{type(self).__name__} must set _process_class")
        return self._process_class

    # --- the steps ----------------------------------------------------------------------

    def setup(self) -> None:
        """Start the count; a subclass puts the child's inputs in ``self.ctx.inputs``."""
        self.ctx.inputs = AttributeDict()
        self.ctx.unhandled_failure = False
        self.ctx.is_finished = False
        self.ctx.iteration = 0

    def should_run_process(self) -> bool:
        return not self.ctx.is_finished and self.ctx.iteration < self.inputs.max_iterations.value

    def run_process(self) -> ToContext:
        """Submit the child with ``self.ctx.inputs`` (plain values wrapped as nodes)."""
        self.ctx.iteration += 1
        inputs = dict(self.ctx.inputs)  # plain values become nodes in the child's ports
        metadata = dict(inputs.get("metadata") or {})
        metadata.setdefault("call_link_label", f"iteration_{self.ctx.iteration:02d}")
        node = self.submit(self.process_class, **{**inputs, "metadata": metadata})
        self.report(f"launching {node.process_label}<{node.pk}> iteration #{self.ctx.iteration}")
        return ToContext(children=append_(node))

    def inspect_process(self) -> ExitCode | None:
        """Call the handlers on the last child and decide: finished, restart or stop."""
        node = self.ctx.children[self.ctx.iteration - 1]
        if node.is_excepted:
            return self.exit_codes.ERROR_SUB_PROCESS_EXCEPTED
        if node.is_killed:
            return self.exit_codes.ERROR_SUB_PROCESS_KILLED

        last_report: ProcessHandlerReport | None = None
        for handler in self._handlers_in_order():
            try:
                report = handler(self, node)
            except Exception as exc:  # the work chain excepts, naming the handler
                raise ProcessError(
                    f"process handler {handler.__name__} raised {type(exc).__name__}: {exc}"
                ) from exc
            if report is not None and not isinstance(report, ProcessHandlerReport):
                raise TypeError(
                    f"process handler {handler.__name__} returned {report!r}; a handler "
                    "returns None or a ProcessHandlerReport"
                )
            if report is not None:
                last_report = report
                if report.do_break:
                    break

        child = f"{node.process_label}<{node.pk}>"
        if node.is_failed and last_report is None:
            once = self.inputs.on_unhandled_failure.value == "restart_once"
            if not once or self.ctx.unhandled_failure:
                again = " for the second consecutive time" if once else ""
                self.report(f"{child} failed and error was not handled{again}, aborting")
                return self.exit_codes.ERROR_UNHANDLED_FAILURE
            self.ctx.unhandled_failure = True
            self.report(
                f"{child} failed with exit status {node.exit_status} and error was not "
                "handled, restarting once more"
            )
            return None

        self.ctx.unhandled_failure = False
        if last_report is not None:
            if last_report.exit_code.status != 0:
                self.report(
                    f"{child} failed but a handler detected an unrecoverable problem, "
                    f"aborting with exit status {last_report.exit_code.status}"
                )
                return last_report.exit_code
            if node.is_finished_ok:
                self.report(
                    f"{child} finished successfully but a handler was triggered, restarting"
                )
            else:
                self.report(f"{child} failed but a handler dealt with the problem, restarting")
            return None
        self.ctx.is_finished = True
        return None

    def results(self) -> ExitCode | None:
        """The last child's exposed outputs become this work chain's."""
        node = self.ctx.children[self.ctx.iteration - 1]
        if not self.ctx.is_finished and self.ctx.iteration >= self.inputs.max_iterations.value:
            self.report(
                f"reached the maximum number of iterations {self.inputs.max_iterations.value}: "
                f"last ran {node.process_label}<{node.pk}>"
            )
            return self.exit_codes.ERROR_MAXIMUM_ITERATIONS_EXCEEDED
        self.report(f"work chain completed after {self.ctx.iteration} iterations")
        exposed = self.spec().exposed_outputs.get((self.process_class, None))
        outputs = node.outputs
        for name in exposed if exposed is not None else []:
            if name in outputs:
                self.out(name, outputs[name])
        for name, port in self.spec().outputs.items():
            if port.required and name not in self._outputs and not isinstance(port, PortNamespace):
                self.report(f"the required output {name!r} is missing from {node.process_label}")
        return None

    # --- handlers -----------------------------------------------------------------------

    @classmethod
    def is_process_handler(cls, name: str | Handler) -> bool:
        handler = getattr(cls, name, None) if isinstance(name, str) else name
        return getattr(handler, "decorator", None) is process_handler

    @classmethod
    def get_process_handlers(cls) -> list[Handler]:
        """Every process handler of the class, in the order they are declared."""
        return [
            getattr(cls, name)
            for name in dir(cls)
            if not name.startswith("__") and cls.is_process_handler(name)
        ]

    def _handlers_in_order(self) -> list[Handler]:
        given = self.inputs.get("handler_overrides")
        overrides = given.get_dict() if isinstance(given, Dict) else {}
        chosen: list[tuple[int, Handler]] = []
        for handler in self.get_process_handlers():
            override = overrides.get(handler.__name__)
            enabled, priority = handler.enabled, handler.priority  # type: ignore[attr-defined]
            if isinstance(override, bool):
                enabled = override
            elif isinstance(override, Mapping):
                enabled = override.get("enabled", enabled)
                priority = override.get("priority", priority)
            if enabled:
                chosen.append((priority, handler))
        return [handler for _, handler in sorted(chosen, key=lambda c: c[0], reverse=True)]

    # --- the end ------------------------------------------------------------------------

    async def _on_terminated(self, runner: Runner) -> None:
        """With ``clean_workdir``: remove every called CalcJob's remote folder."""
        clean = self.inputs.get("clean_workdir")
        if not (isinstance(clean, Bool) and clean.value):
            await _report_after_end(self, runner, "remote folders will not be cleaned")
            return
        from graphflow.engine._inspect import acall_tree
        from graphflow.orm import alinks

        tree = await acall_tree(runner.backend, self.node)
        cleaned = []
        for _, branch in tree.walk():
            if not isinstance(branch.node, CalcJobNode):
                continue
            for _, label, output in await alinks(
                runner.backend, branch.node, ["CREATE"], incoming=False
            ):
                if label == "remote_folder" and isinstance(output, RemoteData):
                    await runner.jobs.clean_remote(output)
                    cleaned.append(str(branch.node.pk))
        if cleaned:
            message = f"cleaned remote folders of calculations: {' '.join(cleaned)}"
            await _report_after_end(self, runner, message)


async def _report_after_end(process: Process, runner: Runner, message: str) -> None:
    """A report written once the process has ended, as AiiDA's ``on_terminated`` makes."""
    from graphflow.engine._logging import REPORT, emit
    from graphflow.store import WriteBatch

    batch = WriteBatch()
    emit(process, REPORT, message, batch)
    await runner.backend.writer.write(batch)


def _unhandled_failure_mode(value: Str, port: Any = None) -> str | None:
    modes = ("abort", "restart_once")
    if value.value in modes:
        return None
    return f"must be one of {', '.join(modes)}, not {value.value!r}"


def _positive(value: Int, port: Any = None) -> str | None:
    return None if value.value >= 1 else f"must be at least 1, got {value.value}"
