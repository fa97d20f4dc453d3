"""ProcessSpec (paper, sections 2.1.2-2.1.3).

A spec is declarative: a later ``spec.input('a', ...)`` replaces an earlier one. Every
process's inputs have a ``metadata`` namespace that is never stored as nodes; its
``label`` and ``description`` land on the process node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphflow.engine._exit_codes import ExitCode, ExitCodesNamespace
from graphflow.engine._ports import (
    UNSPECIFIED,
    InputPort,
    OutputPort,
    PortNamespace,
    Validator,
)
from graphflow.errors import ExposeError

if TYPE_CHECKING:
    from graphflow.engine._outline import Instruction

__all__ = ["ExitCode", "ExitCodesNamespace", "ProcessSpec"]


class ProcessSpec:
    """The inputs, outputs, exit codes (and, for work chains, the outline) of a process."""

    def __init__(self) -> None:
        self.inputs = PortNamespace("inputs", port_class=InputPort)
        self.outputs = PortNamespace("outputs", port_class=OutputPort)
        self.exit_codes = ExitCodesNamespace()
        self.outline_instructions: Instruction | None = None
        #: what expose_inputs/expose_outputs copied: (process class, namespace) -> port names
        self.exposed_inputs: dict[tuple[type, str | None], list[str]] = {}
        self.exposed_outputs: dict[tuple[type, str | None], list[str]] = {}
        self.sealed = False

    def input(
        self,
        name: str,
        *,
        valid_type: type | tuple[type, ...] | None = None,
        validator: Validator | None = None,
        default: Any = UNSPECIFIED,
        required: bool = True,
        non_db: bool | None = None,
        help: str | None = None,
    ) -> None:
        """Declare (or re-declare) the input ``name``; dots put it in namespaces."""
        self.inputs.add_port(
            name,
            InputPort(
                name,
                valid_type=valid_type,
                validator=validator,
                default=default,
                required=required and default is UNSPECIFIED,
                non_db=non_db,
                help=help,
            ),
        )

    def output(
        self,
        name: str,
        *,
        valid_type: type | tuple[type, ...] | None = None,
        validator: Validator | None = None,
        required: bool = True,
        help: str | None = None,
        default: Any = UNSPECIFIED,
    ) -> None:
        """Declare (or re-declare) the output ``name``.

        ``default`` is accepted as in the paper's listing 1 and kept on the port for
        documentation; an output is only ever what the process records.
        """
        port = OutputPort(
            name, valid_type=valid_type, validator=validator, required=required, help=help
        )
        port.default = default
        self.outputs.add_port(name, port)

    def input_namespace(self, name: str, **kwargs: Any) -> PortNamespace:
        """Declare the input namespace ``name`` (``a.b.c`` creates every level)."""
        return self.inputs.create_namespace(name, **kwargs)

    def output_namespace(self, name: str, **kwargs: Any) -> PortNamespace:
        """Declare the output namespace ``name``."""
        return self.outputs.create_namespace(name, **kwargs)

    def exit_code(
        self, status: int, label: str, message: str, invalidates_cache: bool = False
    ) -> None:
        """Declare a known failure mode (listing 4). ``invalidates_cache`` is accepted as
        AiiDA's is, and has no effect until graphflow caches calculations.

        Raises:
            TypeError: a status that is not an int, a label or message that is not a str,
                an ``invalidates_cache`` that is not a bool (as AiiDA's checks).
            ValueError: a negative status, a label that is not an identifier.

        A bool status is the int it is (``True`` is 1), as AiiDA's ``isinstance`` check
        lets it through; it is kept as a plain int, so stored statuses are all numbers.
        """
        if not isinstance(status, int):
            raise TypeError(f"exit code {label!r}: status must be an int, not {status!r}")
        status = int(status)
        if not isinstance(label, str):
            raise TypeError(f"exit code {status}: label must be a str, not {label!r}")
        if not isinstance(message, str):
            raise TypeError(f"exit code {label!r}: message must be a str, not {message!r}")
        if not isinstance(invalidates_cache, bool):
            raise TypeError(
                f"exit code {label!r}: invalidates_cache must be a bool, not {invalidates_cache!r}"
            )
        if status < 0:
            raise ValueError(f"exit code {label!r}: status must not be negative, got {status}")
        if not label.isidentifier():
            raise ValueError(f"exit code label {label!r} is not an identifier")
        self.exit_codes.add(ExitCode(status, message, label))

    def outline(self, *steps: Any) -> None:
        """Declare a work chain's outline (only work chains have one)."""
        from graphflow.engine._outline import Sequence_

        self.outline_instructions = Sequence_(steps)

    def expose_inputs(
        self,
        process_class: type,
        namespace: str | None = None,
        *,
        include: list[str] | tuple[str, ...] | None = None,
        exclude: list[str] | tuple[str, ...] | None = None,
    ) -> None:
        """Copy ``process_class``'s inputs into this spec (section 2.2.9). Into a namespace
        its ``metadata`` comes too (as AiiDA exposes it: a child's label or CalcJob options
        are given through the parent, ``pw.metadata.options``); at the top level it would
        clash with the parent's own and stays out."""
        source = _spec_of(process_class, "expose_inputs").inputs
        _check_include_exclude(process_class, "expose_inputs", include, exclude)
        excluded = list(exclude or ()) if include is None else None
        if excluded is not None and namespace is None:
            excluded.append("metadata")
        names = self.inputs.absorb(source, namespace=namespace, include=include, exclude=excluded)
        self.exposed_inputs[(process_class, namespace)] = names

    def expose_outputs(
        self,
        process_class: type,
        namespace: str | None = None,
        *,
        include: list[str] | tuple[str, ...] | None = None,
        exclude: list[str] | tuple[str, ...] | None = None,
    ) -> None:
        """Copy ``process_class``'s outputs into this spec."""
        source = _spec_of(process_class, "expose_outputs").outputs
        _check_include_exclude(process_class, "expose_outputs", include, exclude)
        names = self.outputs.absorb(source, namespace=namespace, include=include, exclude=exclude)
        self.exposed_outputs[(process_class, namespace)] = names


def _spec_of(process_class: object, call: str) -> ProcessSpec:
    """The spec of what is exposed: whatever has a ``spec()`` giving one (a Process class,
    a process function), as plumpy asks of it.

    Raises:
        ExposeError: anything else (an AttributeError, as plumpy's ``.spec()`` call is).
    """
    spec_method = getattr(process_class, "spec", None)
    spec = spec_method() if callable(spec_method) else None
    if not isinstance(spec, ProcessSpec):
        name = getattr(process_class, "__qualname__", None) or repr(process_class)
        raise ExposeError(
            f"{call}({name}): {process_class!r} is not a process; give a Process class "
            "(WorkChain, CalcJob) or a calcfunction/workfunction"
        )
    return spec


def _check_include_exclude(
    process_class: object,
    call: str,
    include: list[str] | tuple[str, ...] | None,
    exclude: list[str] | tuple[str, ...] | None,
) -> None:
    """A non-empty ``exclude`` with an ``include`` is refused, as plumpy does; an empty
    ``exclude`` excludes nothing, so it may come with an ``include``."""
    if exclude and include is not None:
        name = getattr(process_class, "__name__", process_class)
        raise ValueError(f"{call}({name}): give include or exclude, not both")
