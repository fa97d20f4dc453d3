"""calcfunction and workfunction (paper, sections 2.2.1-2.2.2).

The decorator reads the function's signature into input ports — positional and keyword
arguments, defaults, ``*args`` and ``**kwargs`` (a dynamic namespace) — and, beyond the
paper, turns annotations into ``valid_type`` (``a: Int``, ``b: Int | Float``,
``c: Int | None`` which also makes the port optional). Plain ``int``, ``float``, ``str``,
``bool``, ``dict`` and ``list`` arguments are wrapped into data nodes.

A process function runs in the calling thread, never on the event loop. At top level
the runner drives its process like any other (its creation, its one step, its end,
committed by the group-commit writer): the body is the step, run in the caller's thread
while the caller waits, so Ctrl-C stops the body itself. Called from inside another
process's step, it is part of that step and commits with it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from graphflow.engine._context import current_process
from graphflow.engine._function_process import FunctionProcess, function_result, run_nested_function
from graphflow.engine._runner import run_function
from graphflow.errors import ProcessArgumentError, ProcessError
from graphflow.orm import (
    CalcFunctionNode,
    Node,
    ProcessNode,
    WorkFunctionNode,
    current_scope,
    to_node,
)

if TYPE_CHECKING:
    from graphflow.engine._spec import ProcessSpec

__all__ = ["ProcessFunction", "calcfunction", "workfunction"]


class ProcessFunction:
    """A decorated function: call it like the function; it runs as a process."""

    is_process_function = True

    def __init__(self, func: Callable[..., Any], node_class: type[ProcessNode]) -> None:
        try:
            signature = inspect.signature(func)
        except (TypeError, ValueError) as exc:
            raise ProcessError(
                f"the signature of {getattr(func, '__qualname__', func)!r} cannot be "
                f"introspected, so it cannot be a process function: {exc}"
            ) from exc
        functools.update_wrapper(self, func)
        group = (
            "graphflow.calculations" if node_class is CalcFunctionNode else "graphflow.workflows"
        )
        self.process_class: type[FunctionProcess] = type(
            func.__name__,
            (FunctionProcess,),
            {
                "func": staticmethod(func),
                "signature": signature,
                "node_class": node_class,
                "entry_point_group": group,
                "__module__": func.__module__,
                "__qualname__": func.__qualname__,
            },
        )
        self.func = func
        self.process_class.spec()  # build now: a bad signature fails at decoration

    def spec(self) -> ProcessSpec:
        """The spec made from the signature (``fn.spec()``, as in AiiDA), so a work chain
        can ``expose_inputs(fn)``."""
        return self.process_class.spec()

    @property
    def exit_codes(self) -> Any:
        return self.process_class.spec().exit_codes

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.run_get_node(*args, **kwargs)[0]

    def run(self, *args: Any, **kwargs: Any) -> Any:
        return self.run_get_node(*args, **kwargs)[0]

    def run_get_node(self, *args: Any, **kwargs: Any) -> tuple[Any, ProcessNode]:
        """Run and return ``(result, process node)``."""
        inputs, extra_args, extra_kwargs = self._bind(args, kwargs)
        process = self.process_class(inputs, parent=current_process())
        call_args, call_kwargs = self._arguments(process, extra_args, extra_kwargs)
        outer = current_scope()
        if outer is not None and process.store_provenance:
            run_nested_function(process, outer, call_args, call_kwargs)
        else:
            process.arguments = (call_args, call_kwargs)
            run_function(process)
        return function_result(process), process.node

    def submission_inputs(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Inputs given by keyword to ``submit`` as the process's inputs: plain values made
        nodes as when the function is called (a dict of nodes given to ``**kwargs`` is a
        namespace), ``metadata`` as it is. Names the function does not take are left to
        port validation, which refuses them as AiiDA's does (a ValueError)."""
        signature = self.process_class.signature
        declared = {
            name
            for name, param in signature.parameters.items()
            if param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD)
        }
        inputs: dict[str, Any] = {}
        for name, value in values.items():
            if name == "metadata":
                inputs[name] = value
            elif name in declared:
                inputs[name] = _wrap(value)
            else:
                inputs[name] = _wrap_keyword(value)
        return inputs

    def _arguments(
        self, process: FunctionProcess, extra_args: list[Any], extra_kwargs: dict[str, Any]
    ) -> tuple[list[Any], dict[str, Any]]:
        """What the body is called with: the process's inputs, defaults included, so the
        body gets the very nodes recorded as its inputs (``def f(a=1)`` gets ``Int(1)``)."""
        call_args: list[Any] = []
        call_kwargs: dict[str, Any] = {}
        for name, param in self.process_class.signature.parameters.items():
            if param.kind is param.VAR_POSITIONAL:
                call_args.extend(extra_args)
            elif param.kind is param.VAR_KEYWORD:
                call_kwargs.update(extra_kwargs)
            elif param.kind is param.KEYWORD_ONLY:
                if name in process.inputs:
                    call_kwargs[name] = process.inputs[name]
            elif name in process.inputs:
                call_args.append(process.inputs[name])
            else:
                # not given and no node made for it (a None default, an optional port):
                # the Python default holds its place, so later arguments keep theirs
                call_args.append(None if param.default is param.empty else param.default)
        return call_args, call_kwargs

    def _bind(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[dict[str, Any], list[Any], dict[str, Any]]:
        """Inputs by port name, and the wrapped ``*args`` and ``**kwargs`` values."""
        metadata = kwargs.pop("metadata", None)
        signature = self.process_class.signature
        try:
            # missing arguments are reported by port validation, with the others
            bound = signature.bind_partial(*args, **kwargs)
        except TypeError as exc:
            raise ProcessArgumentError(f"{self.func.__qualname__}: {exc}") from exc
        inputs: dict[str, Any] = {}
        extra_args: list[Any] = []
        extra_kwargs: dict[str, Any] = {}
        declared = set(signature.parameters)
        for name, value in bound.arguments.items():
            param = signature.parameters[name]
            if param.kind is param.VAR_POSITIONAL:
                wrapped = [_wrap(v) for v in value]
                for index, item in enumerate(wrapped):
                    label = f"{name}_{index}"
                    if label in declared:
                        raise ProcessError(
                            f"{self.func.__qualname__}: variadic argument {index} would get "
                            f"the label {label!r}, which a declared argument already has; "
                            f"rename the argument {label!r}"
                        )
                    inputs[label] = item
                extra_args.extend(wrapped)
            elif param.kind is param.VAR_KEYWORD:
                wrapped_kw = {k: _wrap_keyword(v) for k, v in value.items()}
                for key in wrapped_kw:
                    if key in inputs:
                        raise ProcessError(
                            f"{self.func.__qualname__}: keyword argument {key!r} has the label "
                            "a variadic positional argument already got; give it another name"
                        )
                inputs.update(wrapped_kw)
                extra_kwargs.update(wrapped_kw)
            else:
                inputs[name] = _wrap(value)
        if metadata is not None:
            inputs["metadata"] = metadata
        return inputs, extra_args, extra_kwargs

    def __repr__(self) -> str:
        kind = (
            "calcfunction" if self.process_class.node_class is CalcFunctionNode else "workfunction"
        )
        return f"<{kind} {self.func.__qualname__}>"


def _wrap_keyword(value: Any) -> Any:
    """A ``**kwargs`` value: a dict holding nodes is a nested namespace of inputs (as in
    AiiDA), any other plain value becomes a node."""
    if isinstance(value, Mapping) and not isinstance(value, Node) and _holds_a_node(value):
        return {k: _wrap_keyword(v) for k, v in value.items()}
    return _wrap(value)


def _holds_a_node(value: Mapping[str, Any]) -> bool:
    return any(
        isinstance(v, Node) or (isinstance(v, Mapping) and _holds_a_node(v)) for v in value.values()
    )


def _wrap(value: Any) -> Any:
    """Plain Python values become nodes; anything else is left to port validation."""
    if isinstance(value, (bool, int, float, str, dict, list)) and not isinstance(value, Node):
        return to_node(value)
    return value


def calcfunction(func: Callable[..., Any]) -> ProcessFunction:
    """Turn ``func`` into a calculation: it creates its outputs from its inputs."""
    return ProcessFunction(func, CalcFunctionNode)


def workfunction(func: Callable[..., Any]) -> ProcessFunction:
    """Turn ``func`` into a workflow: it calls processes and returns data they created."""
    return ProcessFunction(func, WorkFunctionNode)
