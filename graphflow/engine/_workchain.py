"""WorkChain (paper, sections 2.2.3-2.2.9): a workflow of steps with checkpoints between.

Steps are methods that take only ``self``; data passes between them through
``self.ctx``, which is checkpointed after every step. A step may record outputs
(``self.out``), submit children (``self.submit``) and wait for them (``ToContext``,
``self.to_context``, ``append_``), or end the work chain by returning an exit status or
an :class:`ExitCode`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from graphflow.engine._checkpoint import Checkpoint, decode_value, encode_value
from graphflow.engine._context import current_process
from graphflow.engine._process import AttributeDict, Process, as_attribute_dict, flatten_links
from graphflow.errors import (
    CheckpointError,
    GraphflowError,
    OutlineError,
    OutlineReferenceError,
    ProcessError,
)
from graphflow.orm import Node, ProcessNode, WorkChainNode

if TYPE_CHECKING:
    from collections.abc import Mapping

    from graphflow.engine._spec import ProcessSpec

__all__ = ["ToContext", "WorkChain", "append_"]


class ToContext(dict[str, Any]):
    """Returned from a step: wait for these children, then put their nodes in ``ctx``."""


class _Append:
    """Marks a child whose node is appended to a list in ``ctx`` instead of set."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def append_(value: Any) -> _Append:
    """``self.to_context(children=append_(child))``: collect children in a list."""
    return _Append(value)


class WorkChain(Process):
    """A workflow whose logic is an outline of steps (listing 9)."""

    node_class: ClassVar[type[ProcessNode]] = WorkChainNode
    entry_point_group: ClassVar[str] = "graphflow.workflows"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        try:
            cls.spec()  # an outline naming a missing method is refused right here
        except NameError:
            pass  # define() refers to a class defined later: the spec is built on first use
        except AttributeError as exc:
            if isinstance(exc, GraphflowError):
                raise  # already says what is wrong (an exposed non-process, a bad outline)
            missing = getattr(exc, "name", None) or str(exc)
            error = OutlineReferenceError(
                f"{cls.__name__}: define() refers to {missing!r}, which is not a method or "
                f"attribute of {cls.__name__} ({exc})"
            )
            error.name, error.obj = missing, cls  # what an AttributeError says it lacks
            raise error from exc

    @classmethod
    def _check_spec(cls, spec: ProcessSpec) -> None:
        outline = spec.outline_instructions
        if outline is None:
            return
        for kind, name in outline.names():
            member = getattr(cls, name, None)
            if member is None or not callable(member):
                raise OutlineError(
                    f"{cls.__name__}: the outline's {kind} {name!r} is not a method of "
                    f"{cls.__name__}"
                )

    def __init__(
        self, inputs: Mapping[str, Any] | None = None, *, parent: Process | None = None
    ) -> None:
        if self.spec().outline_instructions is None:
            raise OutlineError(
                f"{self.process_label()} has no outline: call spec.outline(...) in define"
            )
        super().__init__(inputs, parent=parent)
        self.ctx = AttributeDict()
        #: outline path of the next step to run; None before the first step
        self.position: list[int] | None = None
        #: children waited for: {"key", "uuid", "append"}
        self.awaiting: list[dict[str, Any]] = []
        #: children submitted in the current step, started once the step is committed
        self.submitted: list[Process] = []

    # --- the step API -------------------------------------------------------------------

    def submit(
        self, process: Any, inputs: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> ProcessNode:
        """Launch a child process from a step; it runs once this step is committed.

        Returns the child's node, to be passed to ``ToContext``/``to_context``. A process
        function runs at once, inside this step.
        """
        self._check_in_step("submit")
        merged = {**(inputs or {}), **kwargs}
        if getattr(process, "is_process_function", False):  # calcfunction, workfunction
            return process.run_get_node(**merged)[1]  # type: ignore[no-any-return]
        if not (isinstance(process, type) and issubclass(process, Process)):
            raise ProcessError(
                f"{self.process_label()}.submit: {process!r} is not a process class or "
                "process function"
            )
        child = process(merged, parent=self)
        if child.store_provenance:
            child._write_creation(self.scope)
            self.scope.update(child.node, {"checkpoint": child.initial_checkpoint()})
        self.submitted.append(child)
        return child.node

    def to_context(self, **kwargs: Any) -> None:
        """Wait for these children after this step; their nodes go into ``ctx``."""
        self._check_in_step("to_context")
        for key, value in kwargs.items():
            append = isinstance(value, _Append)
            node = value.value if append else value
            if not isinstance(node, ProcessNode):
                raise ProcessError(
                    f"{self.process_label()}.to_context({key}=...): expected the node of a "
                    f"submitted process, got {type(node).__name__}"
                )
            if not append and any(a["key"] == key and not a["append"] for a in self.awaiting):
                raise ProcessError(
                    f"{self.process_label()}.to_context: key {key!r} is already waited for "
                    "in this step (use append_ to collect several children under one key)"
                )
            entry = {"key": key, "uuid": node.uuid, "append": append}
            self._check_context_key(entry, [*self.awaiting, entry])
            self.awaiting.append(entry)

    def _check_context_key(self, entry: dict[str, Any], awaiting: list[dict[str, Any]]) -> None:
        """Refuse a ``to_context`` key whose place in ``ctx`` is taken by something else.

        Dotted keys nest (``'sub.key'`` is ``ctx.sub.key``), as in AiiDA. Raises ValueError
        naming the key when a level on the way is not a namespace, when a key set plainly
        is a namespace, or when one key is both set plainly and appended to.
        """
        key = entry["key"]
        parts = key.split(".")
        if not all(parts):
            raise ValueError(f"{self.process_label()}.to_context: {key!r} has an empty level")
        target: Any = self.ctx
        for depth, part in enumerate(parts[:-1]):
            target = target.get(part) if isinstance(target, dict) else None
            if target is None:
                break
            if not isinstance(target, dict):
                where = ".".join(parts[: depth + 1])
                raise ValueError(
                    f"{self.process_label()}.to_context: cannot put {key!r} in ctx: ctx.{where} "
                    f"is a {type(target).__name__}, not a namespace"
                )
        current = target.get(parts[-1]) if isinstance(target, dict) else None
        nested = [a for a in awaiting if a["key"].startswith(key + ".")]
        if isinstance(current, dict) or nested:
            raise ValueError(
                f"{self.process_label()}.to_context: ctx.{key} is a namespace; a child "
                "cannot replace it"
            )
        if entry["append"] and current is not None and not isinstance(current, list):
            raise ValueError(
                f"{self.process_label()}.to_context: ctx.{key} holds a "
                f"{type(current).__name__}; append_ collects into a list"
            )
        kinds = {a["append"] for a in awaiting if a["key"] == key}
        if len(kinds) > 1 or (not entry["append"] and isinstance(current, list)):
            raise ValueError(
                f"{self.process_label()}.to_context: ctx.{key} is a list that append_ "
                "collects into; set it with append_ only"
            )

    def _deliver(self, entry: dict[str, Any], child: ProcessNode) -> None:
        """Put a finished child where ``to_context`` said (dotted keys nest)."""
        self._check_context_key(entry, [entry])
        *path, leaf = entry["key"].split(".")
        target = self.ctx
        for part in path:
            target = target.setdefault(part, AttributeDict())
        if entry["append"]:
            target.setdefault(leaf, []).append(child)
        else:
            target[leaf] = child

    def out_many(self, outputs: Mapping[str, Any]) -> None:
        """Record several outputs (nested dicts for namespaces)."""
        for label, node in flatten_links(outputs, None).items():
            self.out(label, node)

    def exposed_inputs(
        self,
        process_class: type[Process],
        namespace: str | None = None,
        *,
        agglomerate: bool = True,
    ) -> AttributeDict:
        """The inputs that ``spec.expose_inputs(process_class, namespace)`` exposed.

        With ``agglomerate`` (the default, as in AiiDA) the inputs exposed for the same
        class in the namespace's parents are gathered too, the deeper ones winning.
        """
        exposed = self.spec().exposed_inputs
        parts = namespace.split(".") if namespace else []
        levels = [".".join(parts[:depth]) or None for depth in range(len(parts) + 1)]
        if not agglomerate:
            levels = levels[-1:]
        found = [
            (level, exposed[(process_class, level)])
            for level in levels
            if (process_class, level) in exposed
        ]
        if not found:
            raise ProcessError(
                f"{self.process_label()} did not expose the inputs of "
                f"{process_class.__name__} (namespace {namespace!r})"
            )
        gathered = AttributeDict()
        for level, names in found:
            source: Mapping[str, Any] = self.inputs
            for part in level.split(".") if level else []:
                source = source.get(part, {})
            gathered.update({name: source[name] for name in names if name in source})
        return gathered

    def exposed_outputs(
        self, node: ProcessNode, process_class: type[Process], namespace: str | None = None
    ) -> AttributeDict:
        """A finished child's outputs that ``spec.expose_outputs`` exposed, for ``out_many``."""
        names = self.spec().exposed_outputs.get((process_class, namespace))
        if names is None:
            raise ProcessError(
                f"{self.process_label()} did not expose the outputs of "
                f"{process_class.__name__} (namespace {namespace!r})"
            )
        found = {name: node.outputs[name] for name in names if name in node.outputs}
        if namespace:
            nested: dict[str, Any] = found
            for part in reversed(namespace.split(".")):
                nested = {part: nested}
            return AttributeDict(nested)
        return AttributeDict(found)

    def _check_in_step(self, what: str) -> None:
        if self._scope is None or current_process() is not self:
            raise ProcessError(f"{self.process_label()}.{what} can only be called from a step")

    # --- checkpoints --------------------------------------------------------------------

    def checkpoint(self) -> Checkpoint:
        """The process's state now; refuses (naming the key) a ctx value that cannot be kept."""
        checkpoint = super().checkpoint()
        ctx = {}
        for key, value in self.ctx.items():
            try:
                ctx[key] = encode_value(value, f"ctx.{key}")
            except CheckpointError as exc:
                raise CheckpointError(f"{self.process_label()}: {exc}") from None
        checkpoint.position = self.position
        checkpoint.ctx = ctx
        checkpoint.awaiting = list(self.awaiting)
        return checkpoint

    def restore(self, checkpoint: Checkpoint, nodes: Mapping[str, Node]) -> None:
        """Continue from ``checkpoint`` (``nodes`` resolves its node references)."""
        super().restore(checkpoint, nodes)
        self.position = checkpoint.position
        # nested namespaces come back with attribute access, as they were
        self.ctx = as_attribute_dict(
            {k: decode_value(v, nodes, f"ctx.{k}") for k, v in checkpoint.ctx.items()}
        )
        self.awaiting = list(checkpoint.awaiting)
