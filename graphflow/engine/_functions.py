"""calcfunction and workfunction (paper, sections 2.2.1-2.2.2).

The decorator reads the function's signature into input ports — positional and keyword
arguments, defaults, ``*args`` and ``**kwargs`` (a dynamic namespace) — and, beyond the
paper, turns annotations into ``valid_type`` (``a: Int``, ``b: Int | Float``,
``c: Int | None`` which also makes the port optional). Plain ``int``, ``float``, ``str``,
``bool``, ``dict`` and ``list`` arguments are wrapped into data nodes.

A process function runs in the calling thread, never on the event loop. Its writes, and
those of every process function it calls, go into one write scope: at top level that
scope is committed when the function returns (and, for a function that runs longer than
a moment, once before, so that it shows as running); inside a work chain step it is the
step's own scope and commits with the step.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Union

from graphflow import _loop
from graphflow.engine._caching import cached_outputs
from graphflow.engine._commit import TopLevelCommit
from graphflow.engine._context import current_process, process_context
from graphflow.engine._importing import import_name
from graphflow.engine._process import Process, exit_code_of, flatten_links, nest_outputs
from graphflow.engine._spec import ExitCode, ProcessSpec
from graphflow.engine._states import Event
from graphflow.errors import ProcessArgumentError, ProcessError
from graphflow.orm import (
    BaseType,
    Bool,
    CalcFunctionNode,
    CalculationNode,
    Data,
    Dict,
    Float,
    Int,
    List,
    Node,
    ProcessNode,
    Str,
    WorkFunctionNode,
    WriteScope,
    current_scope,
    get_backend,
    to_node,
    write_scope,
)

__all__ = [
    "FunctionProcess",
    "ProcessFunction",
    "calcfunction",
    "run_submitted_function",
    "workfunction",
]

_PLAIN_TO_NODE: dict[type, type[Data]] = {
    int: Int,
    float: Float,
    str: Str,
    bool: Bool,
    dict: Dict,
    list: List,
}


class FunctionProcess(Process):
    """The process made on the fly for one decorated function."""

    func: ClassVar[Callable[..., Any]]
    signature: ClassVar[inspect.Signature]

    @classmethod
    def process_label(cls) -> str:
        return cls.func.__name__

    @classmethod
    def default_label(cls) -> str:
        return cls.func.__name__  # as AiiDA labels a process function's node

    @classmethod
    def process_type(cls) -> str:
        return import_name(cls.func.__module__, cls.func.__qualname__)

    @classmethod
    @functools.cache
    def source_digest(cls) -> str | None:
        """The SHA-256 of the function's source text, if Python can find it."""
        try:
            source = inspect.getsource(cls.func)
        except (OSError, TypeError):
            return None  # defined where no source is kept (an interactive session)
        return hashlib.sha256(source.encode("utf-8")).hexdigest()

    def _write_creation(self, scope: WriteScope, *, with_parent_link: bool = True) -> None:
        """As any process's, with the function's source digest stamped first: it is part
        of the hash the node is stored with, which caching looks it up by (a submitted
        function's node is created long before its body runs)."""
        _stamp_source_digest(self)
        super()._write_creation(scope, with_parent_link=with_parent_link)

    def call_arguments(self) -> tuple[list[Any], dict[str, Any]]:
        """The body's arguments rebuilt from the inputs, as AiiDA's ``FunctionProcess.run``
        does for a function a daemon worker runs: declared arguments by position (a
        missing one by its Python default), ``name_0, name_1, ...`` into ``*name``,
        keyword-only ones and every other input by keyword."""
        inputs = {k: v for k, v in self.inputs.items() if k != "metadata"}
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for name, param in self.signature.parameters.items():
            if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
                fallback = None if param.default is param.empty else param.default
                args.append(inputs.pop(name, fallback))
            elif param.kind is param.VAR_POSITIONAL:
                args.extend(inputs.pop(label) for label in _variadic_labels(inputs, name))
            elif param.kind is param.KEYWORD_ONLY and name in inputs:
                kwargs[name] = inputs.pop(name)
        kwargs.update(inputs)
        return args, kwargs

    @classmethod
    def define(cls, spec: ProcessSpec) -> None:
        super().define(spec)
        hints = _type_hints(cls.func)
        for param in cls.signature.parameters.values():
            if param.kind is param.VAR_POSITIONAL:
                continue  # bound as name_0, name_1, ... in the dynamic namespace
            if param.kind is param.VAR_KEYWORD:
                spec.inputs.dynamic = True
                spec.inputs.dynamic_type = Data
                continue
            valid_type, optional = _valid_type(hints.get(param.name), cls.func, param.name)
            kwargs: dict[str, Any] = {"valid_type": valid_type}
            if param.default is not param.empty:
                kwargs["default"] = _default_factory(param.default, cls.func, param.name)
                kwargs["required"] = False
            elif optional:
                kwargs["required"] = False
            spec.input(param.name, **kwargs)
        if any(p.kind is p.VAR_POSITIONAL for p in cls.signature.parameters.values()):
            spec.inputs.dynamic = True
            spec.inputs.dynamic_type = Data
        spec.outputs.dynamic = True
        spec.outputs.dynamic_type = Data


def _variadic_labels(inputs: Mapping[str, Any], name: str) -> list[str]:
    """The labels ``name_0, name_1, ...`` among ``inputs``, in their numeric order."""
    prefix = name + "_"
    found = [k for k in inputs if k.startswith(prefix) and k[len(prefix) :].isdigit()]
    return sorted(found, key=lambda label: int(label[len(prefix) :]))


def _type_hints(func: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(func)
    except Exception as exc:
        raise ProcessError(
            f"the annotations of {func.__qualname__} cannot be resolved: "
            f"{type(exc).__name__}: {exc}"
        ) from exc


def _valid_type(annotation: Any, func: Callable[..., Any], name: str) -> tuple[Any, bool]:
    """(valid_type, optional) from an annotation; unknown types constrain nothing."""
    if annotation is None or annotation is inspect.Parameter.empty or annotation is Any:
        return None, False
    origin = typing.get_origin(annotation)
    if origin is Union or isinstance(annotation, types.UnionType):
        members = typing.get_args(annotation)
        optional = type(None) in members
        resolved = [_valid_type(m, func, name)[0] for m in members if m is not type(None)]
        if any(r is None for r in resolved):
            return None, optional
        flat: list[type] = []
        for r in resolved:
            flat.extend(r if isinstance(r, tuple) else (r,))
        return tuple(flat) if len(flat) > 1 else flat[0], optional
    if isinstance(annotation, type) and issubclass(annotation, Node):
        return annotation, False
    if annotation in _PLAIN_TO_NODE:
        node_type = _PLAIN_TO_NODE[annotation]
        # an int is also a fine Float, as in Python
        return ((Int, Float) if annotation is float else node_type), False
    return None, False


def _default_factory(default: Any, func: Callable[..., Any], name: str) -> Any:
    """A port default: a fresh node per call for plain values (nodes cannot be shared);
    a callable (``a=lambda: Int(1)``) is called per call to make the node, as in AiiDA."""
    if default is None:
        return None
    if callable(default) and not isinstance(default, Node):
        return default
    if isinstance(default, Node):
        if not default.is_stored and isinstance(default, BaseType):
            value, cls = default.value, type(default)
            return lambda: cls(value)
        return default
    try:
        to_node(default)
    except Exception as exc:
        raise ProcessError(
            f"{func.__qualname__}: the default of argument {name!r} ({default!r}) cannot "
            "become a data node"
        ) from exc
    return lambda: to_node(default)


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
        return run_function_process(process, call_args, call_kwargs)

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


def run_function_process(
    process: FunctionProcess, call_args: list[Any], call_kwargs: dict[str, Any]
) -> tuple[Any, ProcessNode]:
    """Run a process function's body in this thread with full provenance."""
    outer = current_scope()
    commit: TopLevelCommit | None = None
    if outer is not None and process.store_provenance:
        scope = outer
    else:
        backend = _loop.call(get_backend())
        commit = TopLevelCommit(backend, store=process.store_provenance)
        scope = commit.scope
    process._scope = scope
    try:
        with write_scope(scope if process.store_provenance else None), process_context(process):
            cached = _from_cache(process, scope)  # first: the hash is part of the creation
            if process.store_provenance:
                process._write_creation(scope)
            scope.update(process.node, process.transition(Event.START))
            try:
                code = _run_body(process, scope, cached, call_args, call_kwargs)
            except BaseException as exc:
                event = Event.KILL if isinstance(exc, KeyboardInterrupt) else Event.EXCEPT
                message = process._log_exception(exc)
                scope.update(process.node, process.transition(event, exit_message=message))
                raise
    finally:
        process._scope = None
        if commit is not None:
            commit.finish()
    process._cache_links()
    outputs = process._outputs
    if code.status != 0:
        return nest_outputs(outputs), process.node
    if set(outputs) == {"result"}:
        return outputs["result"], process.node
    return nest_outputs(outputs), process.node


def _from_cache(process: FunctionProcess, scope: WriteScope) -> dict[str, Node] | None:
    """A calcfunction's outputs copied from a finished twin, if caching serves it (then its
    body does not run); workfunctions always run. The digest of the function's source is
    an attribute, so a changed body is not served an old result (as AiiDA hashes the
    source file it keeps)."""
    node = process.node
    if not (process.store_provenance and isinstance(node, CalculationNode)):
        return None
    _stamp_source_digest(process)
    inputs = flatten_links(process.inputs, process.spec().inputs)
    return cached_outputs(scope.backend, node, inputs)


def _stamp_source_digest(process: FunctionProcess) -> None:
    """A calcfunction's node gets the digest of its source before it is stored."""
    node = process.node
    digest = type(process).source_digest()
    if digest is not None and isinstance(node, CalculationNode) and not node.is_stored:
        node._set_attribute("source_digest", digest)


def run_submitted_function(process: FunctionProcess, scope: WriteScope) -> None:
    """The body of a submitted process function, in a daemon worker's pool thread: its
    node and inputs were stored when it was submitted; the body's writes, its outputs and
    the end go into ``scope``, which the runner commits (an exception leaves that to the
    runner too, which records the process as excepted)."""
    call_args, call_kwargs = process.call_arguments()
    with write_scope(scope if process.store_provenance else None), process_context(process):
        process._scope = scope
        try:
            cached = _cached_for_submitted(process, scope)
            _run_body(process, scope, cached, call_args, call_kwargs)
        finally:
            process._scope = None


def _run_body(
    process: FunctionProcess,
    scope: WriteScope,
    cached: dict[str, Node] | None,
    call_args: list[Any],
    call_kwargs: dict[str, Any],
) -> ExitCode:
    """The body's outputs (or the cache's, when it serves), written with the end of the
    process; its exit code."""
    if cached is None:
        outputs, code = _outputs_of(process, process.func(*call_args, **call_kwargs))
    else:
        outputs, code = cached, ExitCode(0)
    if process.store_provenance:
        process._write_outputs(scope, outputs)
    process._outputs = dict(outputs)
    scope.update(
        process.node,
        process.transition(Event.FINISH, exit_status=code.status, exit_message=code.message),
    )
    return code


def _cached_for_submitted(process: FunctionProcess, scope: WriteScope) -> dict[str, Node] | None:
    """A submitted calcfunction's outputs copied from a finished twin, if caching serves
    it; its hash (with the source digest) was fixed when it was stored."""
    node = process.node
    if not (process.store_provenance and isinstance(node, CalculationNode)):
        return None
    inputs = flatten_links(process.inputs, process.spec().inputs)
    outputs = cached_outputs(scope.backend, node, inputs)
    if outputs is not None:
        scope.update(node, {"cached_from": node.get_cache_source()})
    return outputs


def _outputs_of(process: FunctionProcess, result: Any) -> tuple[dict[str, Node], ExitCode]:
    """The outputs (by link label) and exit code from what the function returned."""
    name = process.func.__qualname__
    code = exit_code_of(result, process) if isinstance(result, ExitCode) else None
    if code is not None:
        return {}, code
    if result is None:
        outputs: dict[str, Any] = {}
    elif isinstance(result, Node):
        outputs = {"result": result}
    elif isinstance(result, Mapping):
        outputs = {}
        result = _undotted(result)  # {'nested.output': n} is output in namespace nested
        for label, value in flatten_links(result, None).items():
            outputs[label] = value
        leaves = _leaf_count(result)
        if leaves != len(outputs):
            bad = _first_non_node(result)
            raise ProcessError(
                f"{name} returned a dict whose {bad!r} is not a node; return data nodes, "
                "a dict of data nodes, or an ExitCode"
            )
    else:
        raise ProcessError(
            f"{name} returned a {type(result).__module__}.{type(result).__qualname__}; "
            "return a data node, a dict of data nodes, or an ExitCode"
        )
    problems = process._output_problems(outputs, partial=False)
    if problems:
        from graphflow.errors import PortValidationError

        raise PortValidationError(f"{name} outputs", problems)
    return outputs, ExitCode(0)


def _undotted(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with dotted keys turned into nested namespaces, at every level."""
    nested: dict[str, Any] = {}
    for key, value in values.items():
        *path, leaf = str(key).split(".")
        target = nested
        for part in path:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ProcessError(f"output {key!r}: {part!r} is both a node and a namespace")
        if isinstance(value, Mapping) and not isinstance(value, Node):
            value = _undotted(value)
        existing = target.get(leaf)
        if isinstance(existing, dict) and isinstance(value, dict):  # {'a.b': n, 'a': {'c': m}}
            existing.update(value)
        elif existing is not None:
            raise ProcessError(f"output {key!r} is given twice, or as both a node and a namespace")
        else:
            target[leaf] = value
    return nested


def _leaf_count(values: Mapping[str, Any]) -> int:
    return sum(
        _leaf_count(v) if isinstance(v, Mapping) and not isinstance(v, Node) else 1
        for v in values.values()
    )


def _first_non_node(values: Mapping[str, Any], prefix: str = "") -> str:
    for key, value in values.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping) and not isinstance(value, Node):
            found = _first_non_node(value, path)
            if found:
                return found
        elif not isinstance(value, Node):
            return path
    return ""


def calcfunction(func: Callable[..., Any]) -> ProcessFunction:
    """Turn ``func`` into a calculation: it creates its outputs from its inputs."""
    return ProcessFunction(func, CalcFunctionNode)


def workfunction(func: Callable[..., Any]) -> ProcessFunction:
    """Turn ``func`` into a workflow: it calls processes and returns data they created."""
    return ProcessFunction(func, WorkFunctionNode)
