"""The process behind a calcfunction or workfunction, and how its body runs.

The body runs as the step of its process: at top level the runner drives it like any
process (engine._runner.run_function); called from inside another process's step it is
part of that step, and its writes join the step's scope (:func:`run_nested_function`).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Union

from graphflow.engine._caching import cached_outputs
from graphflow.engine._context import process_context
from graphflow.engine._importing import import_name
from graphflow.engine._interrupt import INTERRUPT_MESSAGE
from graphflow.engine._process import Process, exit_code_of, flatten_links, nest_outputs
from graphflow.engine._spec import ExitCode, ProcessSpec
from graphflow.engine._states import Event
from graphflow.errors import ProcessError
from graphflow.orm import (
    BaseType,
    Bool,
    CalculationNode,
    Data,
    Dict,
    Float,
    Int,
    List,
    Node,
    Str,
    WriteScope,
    to_node,
    write_scope,
)

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
    #: the body's arguments as the caller gave them; None: rebuilt from the inputs (a
    #: function submitted to the daemon, or continued after its interpreter died)
    arguments: tuple[list[Any], dict[str, Any]] | None = None

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


def run_nested_function(
    process: FunctionProcess, scope: WriteScope, call_args: list[Any], call_kwargs: dict[str, Any]
) -> None:
    """A process function called inside another process's step: its creation, its body
    and its end join that step's ``scope`` and commit with it (a failure raises, and the
    caller's step fails with it)."""
    process._scope = scope
    try:
        with write_scope(scope), process_context(process):
            cached = _from_cache(process, scope)  # first: the hash is part of the creation
            process._write_creation(scope)
            scope.update(process.node, process.transition(Event.START))
            try:
                code = _run_body(process, scope, cached, call_args, call_kwargs)
                end = process.transition(
                    Event.FINISH, exit_status=code.status, exit_message=code.message
                )
                scope.update(process.node, end)
            except BaseException as exc:
                message = process._log_exception(exc)
                if isinstance(exc, KeyboardInterrupt):  # killed with its caller (Ctrl-C)
                    event, message = Event.KILL, INTERRUPT_MESSAGE
                else:
                    event = Event.EXCEPT
                scope.update(process.node, process.transition(event, exit_message=message))
                raise
    finally:
        process._scope = None
    process._cache_links()


def run_function_step(
    process: FunctionProcess, scope: WriteScope, cached: dict[str, Node] | None
) -> ExitCode:
    """The body of a process function as the one step of its process, in the thread the
    runner gives it: its writes and outputs go into ``scope``, which the runner commits
    with the end (an exception leaves that to the runner too, which records the process
    as excepted); the exit code it ends with. ``cached``: the outputs the cache serves
    instead (the body does not run).
    """
    call_args, call_kwargs = process.arguments or process.call_arguments()
    with process.running_in(scope):
        if cached is not None:
            scope.update(process.node, {"cached_from": process.node.get_cache_source()})
        return _run_body(process, scope, cached, call_args, call_kwargs)


def function_result(process: FunctionProcess) -> Any:
    """What calling the function returns: its single ``result`` output as it is, else the
    outputs by link label (namespaces as nested dicts), as in AiiDA."""
    outputs = process._outputs
    if process.node.exit_status == 0 and set(outputs) == {"result"}:
        return outputs["result"]
    return nest_outputs(outputs)


def _from_cache(process: FunctionProcess, scope: WriteScope) -> dict[str, Node] | None:
    """A calcfunction's outputs copied from a finished twin, if caching serves it (then its
    body does not run); workfunctions always run. The digest of the function's source is
    an attribute, so a changed body is not served an old result (as AiiDA hashes the
    source file it keeps)."""
    node = process.node
    if not isinstance(node, CalculationNode):
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


def _run_body(
    process: FunctionProcess,
    scope: WriteScope,
    cached: dict[str, Node] | None,
    call_args: list[Any],
    call_kwargs: dict[str, Any],
) -> ExitCode:
    """The body's outputs (or the cache's, when it serves), written with the end of the
    process; the exit code it ends with."""
    if cached is None:
        outputs, code = _outputs_of(process, process.func(*call_args, **call_kwargs))
    else:
        outputs, code = cached, ExitCode(0)
    if process.store_provenance:
        process._write_outputs(scope, outputs)
    process._outputs = dict(outputs)
    return code


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
