"""Process nodes: the record of a process's execution in the provenance graph.

A process node carries its state natively (``process_state``, ``exit_status``,
``exit_message``, ``paused``, and the ``checkpoint`` JSON while it is not terminated), so
``graphflow process list`` and users' Cypher can filter on them. Only the engine changes
them, through :meth:`ProcessNode._state_update`, which returns the properties to write in
the step's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from graphflow.errors import NotExistentAttributeError, NotExistentError, NotExistentKeyError
from graphflow.orm._load import incoming_nodes, load_node, outgoing_links, outgoing_nodes
from graphflow.orm._nodes import Node, content_hash, register_node_class
from graphflow.types import ProcessState

__all__ = [
    "CalcFunctionNode",
    "CalcJobNode",
    "CalculationNode",
    "LinkManager",
    "ProcessNode",
    "WorkChainNode",
    "WorkFunctionNode",
    "WorkflowNode",
    "calculation_hash",
]

NAMESPACE_SEPARATOR = "__"


class LinkManager(Mapping[str, Node]):
    """Nodes by link label, with nested namespaces: ``inputs.nested.x`` or ``inputs['nested.x']``.

    Link labels keep namespaces with ``__`` (``nested__x``), as AiiDA does. A label that
    is not there is a :class:`~graphflow.errors.NotExistentKeyError` by item and a
    :class:`~graphflow.errors.NotExistentAttributeError` by attribute, as AiiDA's link
    managers raise, so ``getattr(outputs, 'x', default)``, ``hasattr`` and ``in`` work.
    A label that is also a method's name (``keys``, ``items``, ``get``) is read by item.
    """

    def __init__(
        self, nodes: Mapping[str, Node], owner: str, direction: str = "link", path: str = ""
    ) -> None:
        """``owner`` names the node in errors (``CalcFunction node pk 5``), ``direction``
        is ``input`` or ``output``, ``path`` the dotted namespace this manager is at."""
        self._nodes = dict(nodes)
        self._owner = owner
        self._direction = direction
        self._path = path

    def _sub(self, prefix: str) -> LinkManager | None:
        start = prefix + NAMESPACE_SEPARATOR
        sub = {k[len(start) :]: v for k, v in self._nodes.items() if k.startswith(start)}
        if not sub:
            return None
        path = self._dotted(prefix.replace(NAMESPACE_SEPARATOR, "."))
        return LinkManager(sub, self._owner, self._direction, path)

    def _dotted(self, label: str) -> str:
        return f"{self._path}.{label}" if self._path else label

    def _lookup(self, key: object) -> Any:
        """The node or namespace at ``key``; None when there is none."""
        if not isinstance(key, str):
            return None
        key = key.replace(".", NAMESPACE_SEPARATOR)
        if key in self._nodes:
            return self._nodes[key]
        return self._sub(key)

    def _missing(self, key: object) -> str:
        """What to say of a missing label: the node, the whole dotted label, what exists."""
        label = self._dotted(key) if isinstance(key, str) else repr(key)
        where = f" in namespace {self._path!r}" if self._path else ""
        return (
            f"{self._owner} has no {self._direction} with link label {label!r} "
            f"(it has{where}: {sorted(self)})"
        )

    def __getitem__(self, key: str) -> Any:
        found = self._lookup(key)
        if found is None:
            raise NotExistentKeyError(self._missing(key))
        return found

    def __getattr__(self, name: str) -> Any:
        found = None if name.startswith("_") else self._lookup(name)
        if found is None:
            raise NotExistentAttributeError(self._missing(name), name=name, obj=self)
        return found

    def __contains__(self, key: object) -> bool:
        return self._lookup(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({k.split(NAMESPACE_SEPARATOR, 1)[0] for k in self._nodes}))

    def __len__(self) -> int:
        return len({k.split(NAMESPACE_SEPARATOR, 1)[0] for k in self._nodes})

    def __dir__(self) -> list[str]:
        """The labels too, so tab completion offers them (as AiiDA's managers do)."""
        return sorted({*super().__dir__(), *self})

    def flat(self) -> dict[str, Node]:
        """Every node by its full link label (``nested__x``)."""
        return dict(self._nodes)

    def __repr__(self) -> str:
        return f"LinkManager({sorted(self._nodes)})"


class ProcessNode(Node):
    """The node of one process execution."""

    node_type: ClassVar[str] = "process"
    type_label: ClassVar[str] = "Process"

    def __init__(
        self, *, process_type: str, process_label: str, label: str = "", description: str = ""
    ) -> None:
        super().__init__(label=label, description=description)
        self.process_type = process_type
        self.process_label = process_label
        self._process_state = ProcessState.CREATED
        self._exit_status: int | None = None
        self._exit_message: str | None = None
        self._paused = False
        self._checkpoint: str | None = None
        #: the interpreter that drives (or last drove) the process: host:pid:start
        self.owner: str | None = None
        #: the children it waits for while parked in the store (engine._parking), else None
        self.parked_on: list[str] | None = None
        self._inputs: dict[str, Node] | None = None
        self._outputs: dict[str, Node] | None = None

    # --- state --------------------------------------------------------------------------

    @property
    def process_state(self) -> ProcessState:
        return self._process_state

    @property
    def exit_status(self) -> int | None:
        return self._exit_status

    @property
    def exit_message(self) -> str | None:
        return self._exit_message

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def checkpoint(self) -> str | None:
        """The checkpoint JSON while the process is not terminated."""
        return self._checkpoint

    @property
    def is_terminated(self) -> bool:
        return self._process_state.is_terminal

    @property
    def is_finished(self) -> bool:
        return self._process_state is ProcessState.FINISHED

    @property
    def is_finished_ok(self) -> bool:
        return self.is_finished and self._exit_status == 0

    @property
    def is_failed(self) -> bool:
        return self.is_finished and self._exit_status not in (None, 0)

    @property
    def is_excepted(self) -> bool:
        return self._process_state is ProcessState.EXCEPTED

    @property
    def is_killed(self) -> bool:
        return self._process_state is ProcessState.KILLED

    def _state_update(
        self,
        *,
        state: ProcessState | None = None,
        exit_status: int | None = None,
        exit_message: str | None = None,
        paused: bool | None = None,
        checkpoint: str | None = None,
        clear_checkpoint: bool = False,
    ) -> dict[str, Any]:
        """Apply a change in memory and return the properties to write (engine only)."""
        props: dict[str, Any] = {}
        if state is not None:
            self._process_state = state
            props["process_state"] = state.value
        if exit_status is not None:
            self._exit_status = exit_status
            props["exit_status"] = exit_status
        if exit_message is not None:
            self._exit_message = exit_message
            props["exit_message"] = exit_message
        if paused is not None:
            self._paused = paused
            props["paused"] = paused
        if checkpoint is not None:
            self._checkpoint = checkpoint
            props["checkpoint"] = checkpoint
        if clear_checkpoint:
            self._checkpoint = None
            props["checkpoint"] = None
        return props

    def _native_properties(self) -> dict[str, Any]:
        return {
            "process_type": self.process_type,
            "process_label": self.process_label,
            "process_state": self._process_state.value,
            "exit_status": self._exit_status,
            "exit_message": self._exit_message,
            "paused": self._paused,
            "checkpoint": self._checkpoint,
        }

    def _restore(self, props: Mapping[str, Any]) -> None:
        self.process_type = props.get("process_type") or ""
        self.process_label = props.get("process_label") or ""
        raw_state = props.get("process_state") or "created"
        try:
            self._process_state = ProcessState(raw_state)
        except ValueError:
            raise NotExistentError(
                f"process node {props.get('uuid')} has unknown state {raw_state!r}"
            ) from None
        self._exit_status = props.get("exit_status")
        self._exit_message = props.get("exit_message")
        self._paused = bool(props.get("paused", False))
        self._checkpoint = props.get("checkpoint")
        self.owner = props.get("owner")
        parked_on = props.get("parked_on")
        self.parked_on = list(parked_on) if props.get("parked") is not None and parked_on else None
        self._inputs = None
        self._outputs = None

    def _hash_at_creation(self) -> str | None:
        return None  # given by the engine, which knows the inputs before they are linked

    @property
    def is_valid_cache(self) -> bool:
        """Whether caching may copy this process's results: a calculation that finished
        with exit status 0 and was not marked invalid (as AiiDA's)."""
        return (
            self._valid_cache is not False
            and isinstance(self, CalculationNode)
            and self.is_finished_ok
        )

    @is_valid_cache.setter
    def is_valid_cache(self, valid: bool) -> None:
        self._mark_valid_cache(valid)

    def refresh(self) -> ProcessNode:
        """Reload the state from the store (it changes while the process runs elsewhere)."""
        fresh = load_node(self.uuid)
        assert isinstance(fresh, ProcessNode)
        self._restore(fresh._native_properties())
        return self

    # --- links --------------------------------------------------------------------------

    @property
    def inputs(self) -> LinkManager:
        """Input nodes by link label (attribute and item access, nested namespaces)."""
        if self._inputs is None:
            self._inputs = incoming_nodes(self, ("INPUT",))
        return LinkManager(self._inputs, self._ident(), "input")

    @property
    def outputs(self) -> LinkManager:
        """Output nodes (CREATE and RETURN links) by link label."""
        if self._outputs is None or not self.is_terminated:
            self._outputs = outgoing_nodes(self, ("CREATE", "RETURN"))
        return LinkManager(self._outputs, self._ident(), "output")

    @property
    def caller(self) -> ProcessNode | None:
        """The workflow that called this process, if any."""
        callers = list(incoming_nodes(self, ("CALL",)).values())
        node = callers[0] if callers else None
        return node if isinstance(node, ProcessNode) else None

    @property
    def called(self) -> list[ProcessNode]:
        """The processes this one called, in pk order."""
        links = outgoing_links(self, ("CALL",))
        return [node for _type, _label, node in links if isinstance(node, ProcessNode)]

    def _set_links_cache(
        self, *, inputs: Mapping[str, Node] | None = None, outputs: Mapping[str, Node]
    ) -> None:
        """Links known without a read (the runner wrote them): a later step reads no store."""
        if inputs is not None:
            self._inputs = dict(inputs)
        self._outputs = dict(outputs)

    def _repr_extra(self) -> str:
        status = f" [{self._exit_status}]" if self._exit_status is not None else ""
        return f" {self.process_label} {self._process_state.value}{status}"


#: a job's options that say how it is queued, not what it computes: not in its hash (as
#: AiiDA leaves them out of a CalcJobNode's)
QUEUE_OPTIONS = frozenset(
    ["queue_name", "account", "qos", "priority", "max_wallclock_seconds", "max_memory_kb"]
)


def calculation_hash(
    node_type: str,
    process_type: str,
    attributes: Mapping[str, Any],
    input_hashes: Mapping[str, str | None],
) -> str:
    """A calculation's hash: its class, attributes and inputs' hashes (by link label)
    decide its results, so calculations with equal hashes may share them (caching)."""
    hashed = dict(attributes)
    options = hashed.get("options")
    if isinstance(options, Mapping):  # a job's: how it queues does not change its results
        hashed["options"] = {k: v for k, v in options.items() if k not in QUEUE_OPTIONS}
    content = {
        "process_type": process_type,
        "attributes": hashed,
        "inputs": dict(sorted(input_hashes.items())),
    }
    return content_hash(node_type, content)


class CalculationNode(ProcessNode):
    """A process that creates data (calculation functions and jobs)."""

    type_label: ClassVar[str] = "Calculation"

    def hash_with_inputs(self, inputs: Mapping[str, Node]) -> str:
        """The calculation's hash with ``inputs`` (by link label)."""
        hashes = {label: node.get_hash() for label, node in inputs.items()}
        return calculation_hash(self.node_type, self.process_type, self._attributes, hashes)

    def _compute_hash(self) -> str | None:
        if not self._stored:
            return self._hash  # the engine's, until the input links are stored
        return self.hash_with_inputs(incoming_nodes(self, ("INPUT",)))


class WorkflowNode(ProcessNode):
    """A process that orchestrates other processes and returns data it did not create."""

    type_label: ClassVar[str] = "Workflow"


@register_node_class
class CalcFunctionNode(CalculationNode):
    node_type: ClassVar[str] = "process.calcfunction"
    create_group: ClassVar[str] = "CalcFunction"
    type_label: ClassVar[str] = "CalcFunction"


#: what a calculation job's node says about its job, kept natively for Cypher and the CLI
JOB_PROPERTIES = (
    "computer",
    "remote_workdir",
    "job_id",
    "scheduler_state",
    "job_exit_code",
    "job_host",
)


@register_node_class
class CalcJobNode(CalculationNode):
    """A calculation job: where its job runs, its scheduler id and what became of it."""

    node_type: ClassVar[str] = "process.calcjob"
    create_group: ClassVar[str] = "CalcJob"
    type_label: ClassVar[str] = "CalcJob"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._job: dict[str, Any] = dict.fromkeys(JOB_PROPERTIES)

    @property
    def computer_label(self) -> str | None:
        return self._job.get("computer")

    @property
    def remote_workdir(self) -> str | None:
        return self._job.get("remote_workdir")

    @property
    def job_id(self) -> str | None:
        return self._job.get("job_id")

    @property
    def scheduler_state(self) -> str | None:
        """The job's last state as the scheduler reported it (``queued``, ``running``...)."""
        return self._job.get("scheduler_state")

    @property
    def job_exit_code(self) -> int | None:
        """The exit code of the job's command, once known."""
        return self._job.get("job_exit_code")

    @property
    def job_host(self) -> str | None:
        """The host whose files and processes the job has, when its computer is reached
        with the local transport: only a runner on that host can continue it."""
        return self._job.get("job_host")

    def _job_update(self, **values: Any) -> dict[str, Any]:
        """Apply job facts in memory and return the properties to write (engine only)."""
        unknown = set(values) - set(JOB_PROPERTIES)
        if unknown:
            raise KeyError(f"not a job property: {sorted(unknown)}")
        changed = {k: v for k, v in values.items() if self._job.get(k) != v}
        self._job.update(changed)
        return changed

    def _native_properties(self) -> dict[str, Any]:
        return {**super()._native_properties(), **self._job}

    def _restore(self, props: Mapping[str, Any]) -> None:
        super()._restore(props)
        self._job = {key: props.get(key) for key in JOB_PROPERTIES}


@register_node_class
class WorkFunctionNode(WorkflowNode):
    node_type: ClassVar[str] = "process.workfunction"
    create_group: ClassVar[str] = "WorkFunction"
    type_label: ClassVar[str] = "WorkFunction"


@register_node_class
class WorkChainNode(WorkflowNode):
    node_type: ClassVar[str] = "process.workchain"
    create_group: ClassVar[str] = "WorkChain"
    type_label: ClassVar[str] = "WorkChain"
