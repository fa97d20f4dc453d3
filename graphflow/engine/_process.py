"""The Process: spec, validated inputs, its node, state transitions, outputs and reports.

Subclasses are process functions (generated), WorkChains and CalcJobs. A process never
writes to the store itself: every change (new nodes, links, state, checkpoint, log
records) goes into the :class:`~graphflow.orm.WriteScope` of the step that made it, and
whoever drives the process commits that scope in one transaction.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from graphflow.engine._checkpoint import Checkpoint, dumps, encode_value
from graphflow.engine._context import process_context
from graphflow.engine._importing import import_name, refuse_launch_while_importing
from graphflow.engine._logging import REPORT, emit
from graphflow.engine._ports import PortNamespace
from graphflow.engine._spec import ExitCode, ExitCodesNamespace, ProcessSpec
from graphflow.engine._states import Event, next_state
from graphflow.engine._trust import trust_launch
from graphflow.errors import (
    LinkRuleError,
    OutlineError,
    PortProblem,
    PortValidationError,
    ProcessError,
)
from graphflow.orm import CalculationNode, Data, Node, ProcessNode, check_link, write_scope
from graphflow.orm._process import NAMESPACE_SEPARATOR
from graphflow.plugins import entry_point_name
from graphflow.types import LinkType, ProcessState

if TYPE_CHECKING:
    from graphflow.engine._runner import Runner
    from graphflow.orm import WriteScope

__all__ = ["AttributeDict", "Process", "flatten_links"]


class AttributeDict(dict[str, Any]):
    """A dict whose keys are also attributes (``inputs.x``), nested for namespaces."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"no {name!r} here (has {', '.join(sorted(self)) or 'nothing'})"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None


def as_attribute_dict(values: Mapping[str, Any]) -> AttributeDict:
    return AttributeDict(
        {
            k: as_attribute_dict(v) if isinstance(v, Mapping) and not isinstance(v, Node) else v
            for k, v in values.items()
        }
    )


def flatten_links(
    values: Mapping[str, Any], namespace: PortNamespace | None, prefix: str = ""
) -> dict[str, Node]:
    """Nodes in nested ``values`` by link label (``nested__x``), skipping non_db ports."""
    flat: dict[str, Node] = {}
    for name, value in values.items():
        port = namespace.get(name) if namespace is not None else None
        if port is None:
            skip = namespace is not None and namespace.non_db  # undeclared, in a non_db one
        elif isinstance(port, PortNamespace):
            skip = port.non_db and not isinstance(value, Mapping)  # members decide
        else:
            skip = port.non_db
        if skip:
            continue
        label = f"{prefix}{NAMESPACE_SEPARATOR}{name}" if prefix else name
        if isinstance(value, Node):
            flat[label] = value
        elif isinstance(value, Mapping):
            sub = port if isinstance(port, PortNamespace) else None
            flat.update(flatten_links(value, sub, label))
    return flat


class _ExitCodes:
    """``Process.exit_codes`` on the class and on instances."""

    def __get__(self, instance: object, owner: type[Process]) -> ExitCodesNamespace:
        return owner.spec().exit_codes


def _define_base(spec: ProcessSpec) -> None:
    """What every process has: the metadata namespace and the standard exit codes."""
    if "metadata" not in spec.inputs:
        # not dynamic: an unknown key is refused, as AiiDA refuses it (a misspelt
        # "lable" would otherwise be dropped without a word)
        spec.input_namespace("metadata", non_db=True, required=False)
    if "label" not in spec.inputs["metadata"]:  # type: ignore[operator]
        spec.input(
            "metadata.label",
            valid_type=str,
            required=False,
            non_db=True,
            help="A label for the process node.",
        )
        spec.input(
            "metadata.description",
            valid_type=str,
            required=False,
            non_db=True,
            help="A description for the process node.",
        )
        spec.input(
            "metadata.store_provenance",
            valid_type=bool,
            default=True,
            non_db=True,
            help="Store the provenance of this process (False: run in memory).",
        )
        spec.input(
            "metadata.call_link_label",
            valid_type=str,
            default="CALL",
            non_db=True,
            help="The label of the CALL link from the caller.",
        )
        spec.input(
            "metadata.disable_cache",
            valid_type=bool,
            required=False,
            non_db=True,
            help="Accepted as AiiDA's; graphflow does not cache calculations yet.",
        )
    for status, label, message in STANDARD_EXIT_CODES:
        if label not in spec.exit_codes:
            spec.exit_code(status, label, message)


STANDARD_EXIT_CODES = (
    (1, "ERROR_UNSPECIFIED", "the process failed for an unspecified reason"),
    (10, "ERROR_INVALID_OUTPUT", "the process returned an invalid output: {message}"),
    (11, "ERROR_MISSING_OUTPUT", "the process did not record the required output {port}"),
)


class Process:
    """Base of everything the engine runs; subclass WorkChain or CalcJob, not this."""

    node_class: ClassVar[type[ProcessNode]] = ProcessNode
    node: ProcessNode
    #: entry-point group whose names identify classes of this kind
    entry_point_group: ClassVar[str] = "graphflow.workflows"
    exit_codes = _ExitCodes()

    # --- the spec -----------------------------------------------------------------------

    @classmethod
    def define(cls, spec: ProcessSpec) -> None:
        """Declare inputs, outputs and exit codes; call ``super().define(spec)`` first."""
        _define_base(spec)

    @classmethod
    def spec(cls) -> ProcessSpec:
        """The class's spec, built once (forgetting ``super().define`` is harmless)."""
        cached: ProcessSpec | None = cls.__dict__.get("_spec_built")
        if cached is None:
            cached = ProcessSpec()
            _define_base(cached)
            try:
                cls.define(cached)
            except OutlineError as exc:  # raised far from the class: say which one
                if str(exc).startswith(f"{cls.__name__}:"):
                    raise
                raise type(exc)(f"{cls.__name__}: {exc}") from exc
            _define_base(cached)
            cls._check_spec(cached)
            cached.sealed = True
            setattr(cls, "_spec_built", cached)  # noqa: B010 - per class, not inherited
        return cached

    @classmethod
    def _check_spec(cls, spec: ProcessSpec) -> None:
        """Subclass hook: refuse a spec that cannot work (a work chain's outline)."""

    @classmethod
    def process_type(cls) -> str:
        """How checkpoints and workers find this class again: entry point or import name."""
        name = entry_point_name(cls.entry_point_group, cls)
        if name is not None:
            return name
        return import_name(cls.__module__, cls.__qualname__)

    @classmethod
    def get_exit_statuses(cls, exit_code_labels: Iterable[str]) -> list[int]:
        """The statuses of these exit codes, by label (AttributeError naming an unknown one)."""
        codes = cls.spec().exit_codes
        return [getattr(codes, label).status for label in exit_code_labels]

    @classmethod
    def default_label(cls) -> str:
        """The node's label when ``metadata.label`` is not given."""
        return ""

    @classmethod
    def process_label(cls) -> str:
        return cls.__name__

    # --- an instance --------------------------------------------------------------------

    def __init__(
        self, inputs: Mapping[str, Any] | None = None, *, parent: Process | None = None
    ) -> None:
        refuse_launch_while_importing(self.process_label())
        spec = self.spec()
        raw = spec.inputs.serialize(inputs or {})
        processed = spec.inputs.apply_defaults(raw)
        problems = spec.inputs.validate(processed)
        reported = {p.path for p in problems}
        problems += [p for p in self._check_storable_inputs(processed) if p.path not in reported]
        if problems:
            raise PortValidationError(self.process_label(), problems)
        self.inputs = as_attribute_dict(processed)
        metadata = processed.get("metadata", {})
        self.metadata = as_attribute_dict(metadata)
        self.store_provenance: bool = bool(metadata.get("store_provenance", True))
        self.parent = parent
        #: the uuid of the workflow that called this process (kept across a resume)
        self.caller_uuid: str | None = parent.node.uuid if parent is not None else None
        if parent is not None and not parent.store_provenance:
            self.store_provenance = False
        self.node = self.node_class(
            process_type=self.process_type(),
            process_label=self.process_label(),
            label=metadata.get("label", self.default_label()),
            description=metadata.get("description", ""),
        )
        self._state = ProcessState.CREATED
        self._outputs: dict[str, Node] = {}
        self.logger = logging.getLogger(f"graphflow.process.{self.process_label()}")
        self._scope: WriteScope | None = None

    def _check_storable_inputs(self, processed: Mapping[str, Any]) -> list[PortProblem]:
        """Inputs on ports that are stored must be data nodes."""
        problems = []
        spec = self.spec()
        non_db = spec.inputs.non_db_paths(processed)
        for path, value in _walk(processed):
            if value is None or any(path == p or path.startswith(p + ".") for p in non_db):
                continue  # None: an optional input given as nothing (validated as absent)
            if not isinstance(value, Data):
                problems.append(
                    PortProblem(
                        path,
                        f"got {type(value).__module__}.{type(value).__qualname__}, expected "
                        "a data node (inputs are stored in the provenance graph)",
                    )
                )
        return problems

    @property
    def state(self) -> ProcessState:
        return self._state

    @property
    def outputs(self) -> dict[str, Node]:
        """Outputs recorded so far, by link label."""
        return dict(self._outputs)

    @property
    def scope(self) -> WriteScope:
        """The write scope of the step being run (where every change goes)."""
        if self._scope is None:
            raise ProcessError(f"{self.node._ident()} is not running a step")
        return self._scope

    @contextlib.contextmanager
    def running_in(self, scope: WriteScope) -> Iterator[None]:
        """While this process's code runs (a step, a body, a parser, a hook): what it
        stores, links and reports joins ``scope``, and ``current_process()`` is this."""
        self._scope = scope
        try:
            with write_scope(scope if self.store_provenance else None), process_context(self):
                yield
        finally:
            self._scope = None

    # --- transition hooks (paper, listing 17): override freely, no super() needed -----

    def on_entering(self, state: ProcessState) -> None:
        """About to enter ``state``."""

    def on_entered(self, from_state: ProcessState | None) -> None:
        """Just entered the current state from ``from_state``."""

    def on_exiting(self) -> None:
        """About to leave the current state."""

    @classmethod
    def hooks_transitions(cls) -> bool:
        """Whether the class overrides a transition hook (then its transitions run in a
        step's thread: hooks are user code, which never runs on graphflow's loop)."""
        return any(
            getattr(cls, name) is not getattr(Process, name)
            for name in ("on_exiting", "on_entering", "on_entered")
        )

    def transition(
        self,
        event: Event,
        *,
        exit_status: int | None = None,
        exit_message: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Apply ``event`` (the table decides), reflect it on the node, return what to write.

        The hooks are user code. One that fails before the change (``on_exiting``,
        ``on_entering``) stops it: the process then fails with that error, as a step
        would; unless the process is already ending (excepted or killed), which goes on,
        the failure recorded. One that fails after it (``on_entered``) is recorded and
        the change stands: the process is in its new state already."""
        new = next_state(self._state, event)
        old = self._state
        try:
            self.on_exiting()
            self.on_entering(new)
        except (Exception, SystemExit) as exc:
            if event not in (Event.EXCEPT, Event.KILL):
                if isinstance(exc, SystemExit):
                    raise _hook_error(exc) from None
                raise
            self._hook_failed("on_exiting/on_entering", new, exc)
        self._state = new
        props = self.node._state_update(
            state=new,
            exit_status=exit_status,
            exit_message=exit_message,
            clear_checkpoint=new.is_terminal,
        )
        if new.is_terminal and self.node.paused:
            props.update(self.node._state_update(paused=False))
        props.update(extra or {})
        try:
            self.on_entered(old)
        except (Exception, SystemExit) as exc:
            self._hook_failed("on_entered", new, exc)
        return props

    def _hook_failed(self, hook: str, state: ProcessState, exc: BaseException) -> None:
        """Record a hook's failure that cannot stop the transition (see :meth:`transition`)."""
        self._log_exception(_hook_error(exc))
        self._log(
            logging.ERROR,
            f"{hook} failed while entering {state.value}; the process is {state.value} regardless",
        )

    # --- writing ------------------------------------------------------------------------

    def _write_creation(self, scope: WriteScope, *, with_parent_link: bool = True) -> None:
        """The node, its input nodes and links (and the CALL link from the parent).

        Launching it makes the class's origin trusted by the profile, so that another
        interpreter may import it to continue the process (engine._trust).
        """
        trust_launch(scope.backend.profile, self.process_type())
        inputs = flatten_links(self.inputs, self.spec().inputs)
        for label, node in inputs.items():  # every link checked before anything is stored
            check_link(LinkType.INPUT, node, self.node, label)
        if isinstance(self.node, CalculationNode) and self.node._hash is None:
            self.node._hash = self.node.hash_with_inputs(inputs)  # caching finds it by this
        new_inputs = [node for node in inputs.values() if not node.is_stored]
        scope.add_nodes([*new_inputs, self.node])
        for label, node in inputs.items():
            scope.add_link(LinkType.INPUT, node, self.node, label)
        if with_parent_link and self.parent is not None:
            label = self.metadata.get("call_link_label", "CALL")
            check_link(LinkType.CALL, self.parent.node, self.node, label)
            scope.add_link(LinkType.CALL, self.parent.node, self.node, label)

    def _write_outputs(self, scope: WriteScope, outputs: Mapping[str, Node]) -> None:
        """Store new output nodes and link them: CREATE from calculations, else RETURN."""
        link_type = (
            LinkType.CREATE if issubclass(self.node_class, CalculationNode) else LinkType.RETURN
        )
        for label, node in outputs.items():
            check_link(link_type, self.node, node, label)
        if link_type is LinkType.CREATE:
            self._check_created_once(outputs)
        scope.add_nodes([n for n in outputs.values() if not n.is_stored])
        for label, node in outputs.items():
            scope.add_link(link_type, self.node, node, label)

    def _cache_links(self) -> None:
        """Tell the node the links this process wrote, so whoever reads them next (the
        caller's next step, ``run``'s caller) needs no store read."""
        self.node._set_links_cache(
            inputs=flatten_links(self.inputs, self.spec().inputs), outputs=self._outputs
        )

    def _check_created_once(self, outputs: Mapping[str, Node]) -> None:
        """A node has one origin: a calculation cannot create it under two labels."""
        labels: dict[int, str] = {}
        for label, node in outputs.items():
            first = labels.setdefault(id(node), label)
            if first != label:
                raise LinkRuleError(
                    f"{self.process_label()} returned {node._ident()} as both {first!r} and "
                    f"{label!r}: a node has one CREATE link; create a second node (or, "
                    "from a workflow, return the node under both labels)"
                )

    # --- checkpoints --------------------------------------------------------------------

    def checkpoint(self) -> Checkpoint:
        """What this process needs to continue (subclasses add their own progress)."""
        return Checkpoint(
            process_type=self.process_type(),
            state=self._state.value,
            inputs=encode_value(dict(self.inputs), "inputs"),
            outputs={label: node.uuid for label, node in self._outputs.items()},
            extra={"caller": self.caller_uuid} if self.caller_uuid else {},
        )

    def restore(self, checkpoint: Checkpoint, nodes: Mapping[str, Node]) -> None:
        """Continue from ``checkpoint``; ``nodes`` resolves its node references."""
        self._outputs = {label: nodes[uuid] for label, uuid in checkpoint.outputs.items()}
        caller = checkpoint.extra.get("caller")
        self.caller_uuid = caller if isinstance(caller, str) else None

    def initial_checkpoint(self) -> str:
        """The checkpoint of a process that has not started (written when it is submitted)."""
        return dumps(self.checkpoint())

    # --- outputs ------------------------------------------------------------------------

    def out(self, label: str, node: Node) -> None:
        """Record output ``label`` (dots for namespaces); validated at the end of the step."""
        if not isinstance(node, Node):
            raise ProcessError(
                f"{self.process_label()}: output {label!r} must be a node, got "
                f"{type(node).__name__}"
            )
        flat = label.replace(".", NAMESPACE_SEPARATOR)
        if flat in self._outputs and self._outputs[flat] is not node:
            raise ProcessError(f"{self.process_label()}: output {label!r} was already recorded")
        problems = self._output_problems({label: node}, partial=True)
        if problems:
            raise PortValidationError(f"{self.process_label()} outputs", problems)
        self._outputs[flat] = node

    def checked_exit_code(self, code: ExitCode) -> ExitCode:
        """The exit code to finish with: a success whose outputs are incomplete or invalid
        becomes ``ERROR_MISSING_OUTPUT`` or ``ERROR_INVALID_OUTPUT``. (The spec's
        validators are user code: this runs in the step's thread.)"""
        if code.status == 0:
            problems = self._output_problems(self._outputs, partial=False)
            if problems:
                first = problems[0]
                if first.message == "required value was not given":
                    return self.exit_codes.ERROR_MISSING_OUTPUT.format(port=first.path)
                return self.exit_codes.ERROR_INVALID_OUTPUT.format(message=str(first))
        return code

    def _output_problems(self, outputs: Mapping[str, Node], *, partial: bool) -> list[PortProblem]:
        nested = _nest(outputs)
        problems = self.spec().outputs.validate(nested)
        if partial:
            problems = [p for p in problems if p.message != "required value was not given"]
        return problems

    # --- reporting ----------------------------------------------------------------------

    def report(self, message: str, *args: Any) -> None:
        """Log a message at REPORT level and keep it on the process node."""
        text = message % args if args else message
        self._log(REPORT, text)

    def _log(self, levelno: int, text: str, *, logging_level: int | None = None) -> None:
        if self._scope is not None:
            emit(self, levelno, text, self._scope, logging_level=logging_level)
        else:
            self.logger.log(levelno if logging_level is None else logging_level, text)

    async def _on_terminated(self, runner: Runner) -> None:
        """Called by the runner on the loop once the end of the process is durable;
        whatever it raises is logged and changes nothing (a work chain cleans up here)."""

    def _log_exception(self, exc: BaseException) -> str:
        """Record the traceback of ``exc`` on the node (an ERROR in ``process report``);
        return the short exit message. Python logging gets it at REPORT, as AiiDA reports
        it: a daemon worker's log keeps it, while a script, to which ``run()`` raises the
        exception itself, does not print it twice."""
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self._log(logging.ERROR, detail.rstrip(), logging_level=REPORT)
        return f"{type(exc).__name__}: {exc}"

    def __repr__(self) -> str:
        state = getattr(self, "_state", None)
        node = getattr(self, "node", None)
        return f"<{self.process_label()} {state} node={node.pk if node else None}>"


def _hook_error(exc: BaseException) -> BaseException:
    """What a hook raised, as the process's failure (a ``sys.exit()`` in it as well)."""
    if isinstance(exc, SystemExit):
        return exit_called(exc)
    return exc


def exit_called(exc: SystemExit) -> ProcessError:
    """A ``sys.exit()`` in a process's code as its failure, with the traceback of the
    call (the report shows where it was made)."""
    failure = ProcessError(f"the process's code called sys.exit({exc.code!r})")
    return failure.with_traceback(exc.__traceback__)


def _walk(values: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted path, value) of every leaf; a Node is a leaf, a mapping is descended."""
    leaves = []
    for name, value in values.items():
        path = f"{prefix}.{name}" if prefix else name
        if isinstance(value, Mapping) and not isinstance(value, Node):
            leaves.extend(_walk(value, path))
        else:
            leaves.append((path, value))
    return leaves


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{'a__b': x}`` or ``{'a.b': x}`` as ``{'a': {'b': x}}``."""
    nested: dict[str, Any] = {}
    for label, value in flat.items():
        parts = label.replace(NAMESPACE_SEPARATOR, ".").split(".")
        target = nested
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return nested


def nest_outputs(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Public form of :func:`_nest` for results handed to users."""
    return _nest(flat)


def exit_code_of(value: Any, process: Process) -> ExitCode | None:
    """An ExitCode from a step's or parser's return value (an int status, or an ExitCode).

    An int is its status alone, with no message, as in AiiDA: a declared exit code that
    happens to share the status does not lend its message.
    """
    if isinstance(value, ExitCode):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ProcessError(f"{process.process_label()}: exit status {value} is negative")
        return ExitCode(value)
    return None
