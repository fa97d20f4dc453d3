"""Ports and port namespaces: what a process accepts and emits (paper, section 2.1.1).

A :class:`PortNamespace` is a mapping of ports and nested namespaces, addressed with
dotted keys (``nested.input.a``). Validation walks the whole tree and returns every
problem at once, each with the dotted path of the port, what was given and what was
expected; defaults are applied before validation.

Validators are callables that return an error message (or None). They receive the
value, and — if they accept a second argument — the port, or for a namespace validator
the whole namespace's values, so a rule can look at several ports together.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, TypeVar

from graphflow.errors import PortProblem

__all__ = [
    "UNSPECIFIED",
    "InputPort",
    "OutputPort",
    "Port",
    "PortNamespace",
    "Validator",
    "check_port_name",
]

Validator = Callable[..., str | None]
_P = TypeVar("_P", bound="Port")
NAMESPACE_SEPARATOR = "."


def check_port_name(name: Any) -> None:
    """Refuse a port name AiiDA refuses, with the rule it breaks.

    A port name becomes a link label (namespaces joined by ``__``), so it is an identifier
    of letters, digits and single underscores, not starting or ending with one.

    Raises:
        TypeError: the name is not a string.
        ValueError: the name breaks a rule (named in the message).
    """
    if not isinstance(name, str):
        raise TypeError(f"a port name is a string, not {type(name).__name__} ({name!r})")
    rule = None
    if not name.isidentifier() or not name.isascii():
        rule = "use only letters, digits and underscores, not starting with a digit"
    elif name.startswith("_") or name.endswith("_"):
        rule = "it cannot start or end with an underscore"
    elif "__" in name:
        rule = "it cannot hold two consecutive underscores (they join namespaces in links)"
    if rule is not None:
        raise ValueError(f"invalid port name {name!r}: {rule}")


class _Unspecified:
    """Marks 'no default' (None is a legitimate default)."""

    def __repr__(self) -> str:
        return "UNSPECIFIED"


UNSPECIFIED: Any = _Unspecified()


def _type_name(valid_type: type | tuple[type, ...] | None) -> str:
    if valid_type is None:
        return "anything"
    if isinstance(valid_type, tuple):
        return " or ".join(t.__name__ for t in valid_type)
    return valid_type.__name__


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _call_validator(validator: Validator, value: Any, context: Any) -> str | None:
    """Run a validator; one that raises is reported as a problem, not a crash."""
    try:
        takes_context = len(inspect.signature(validator).parameters) >= 2
    except (TypeError, ValueError):
        takes_context = True
    try:
        result = validator(value, context) if takes_context else validator(value)
    except Exception as exc:
        name = getattr(validator, "__qualname__", repr(validator))
        return (
            f"validator {name} raised {type(exc).__name__}: {exc} "
            "(validators must return a message, not raise)"
        )
    if result is not None and not isinstance(result, str):
        name = getattr(validator, "__qualname__", repr(validator))
        return f"validator {name} returned {result!r}; it must return a message string or None"
    return result


class Port:
    """One named gateway into or out of a process."""

    def __init__(
        self,
        name: str,
        *,
        valid_type: type | tuple[type, ...] | None = None,
        validator: Validator | None = None,
        required: bool = True,
        non_db: bool | None = None,
        help: str | None = None,
    ) -> None:
        if valid_type is not None and not (
            isinstance(valid_type, type)
            or (isinstance(valid_type, tuple) and all(isinstance(t, type) for t in valid_type))
        ):
            raise TypeError(f"port {name!r}: valid_type must be a type or a tuple of types")
        self.name = name
        self.valid_type = valid_type
        self.validator = validator
        self.required = required
        #: None until set: a port then takes the ``non_db`` of the namespace it joins
        self._non_db = non_db
        self.help = help

    @property
    def non_db(self) -> bool:
        """Whether values on this port are kept out of the provenance graph."""
        return bool(self._non_db)

    @non_db.setter
    def non_db(self, value: bool) -> None:
        self._non_db = value
        self._pass_non_db_on()

    def _pass_non_db_on(self) -> None:
        """A namespace hands its ``non_db`` to members that never chose (a port has none)."""

    @property
    def has_default(self) -> bool:
        return False

    def validate(self, value: Any, path: str) -> list[PortProblem]:
        """Problems with ``value`` for this port (empty when it is fine)."""
        if self.valid_type is not None and not isinstance(value, self.valid_type):
            return [
                PortProblem(path, f"got {_describe(value)}, expected {_type_name(self.valid_type)}")
            ]
        if self.validator is not None:
            message = _call_validator(self.validator, value, self)
            if message:
                return [PortProblem(path, message)]
        return []

    def copy(self) -> Port:
        clone = self.__class__.__new__(self.__class__)
        clone.__dict__.update(self.__dict__)
        return clone

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {_type_name(self.valid_type)}>"


class InputPort(Port):
    """An input port, with an optional default (a value, or a callable making one)."""

    def __init__(self, name: str, *, default: Any = UNSPECIFIED, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.default = default
        if default is not UNSPECIFIED and not callable(default) and default is not None:
            problems = Port.validate(self, default, name)
            if problems:
                # a ValueError, as plumpy raises for an invalid default
                raise ValueError(f"port {name!r}: the default does not pass: {problems[0].message}")

    @property
    def has_default(self) -> bool:
        return self.default is not UNSPECIFIED

    def default_value(self) -> Any:
        return self.default() if callable(self.default) else self.default


class OutputPort(Port):
    """An output port (its ``default`` is informational: see ProcessSpec.output)."""

    default: Any = UNSPECIFIED


class PortNotFoundError(KeyError, ValueError):
    """No port of that name. A ``ValueError`` as plumpy raises, and a ``KeyError`` as a
    missing key of a mapping is."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class PortNamespace(Port, MutableMapping[str, Port]):
    """A mapping of ports (and nested namespaces); ``dynamic`` accepts undeclared members."""

    def __init__(
        self,
        name: str = "",
        *,
        dynamic: bool = False,
        valid_type: type | tuple[type, ...] | None = None,
        validator: Validator | None = None,
        required: bool = True,
        non_db: bool | None = None,
        help: str | None = None,
        default: Any = UNSPECIFIED,
        populate_defaults: bool = True,
        port_class: type[Port] = InputPort,
    ) -> None:
        #: the type of undeclared members of a dynamic namespace
        self.dynamic_type: type | tuple[type, ...] | None = None
        self.dynamic = dynamic
        #: False: a namespace not given at all gets none of its members' defaults (a lazy
        #: namespace, as in AiiDA); given, even empty, it gets them all
        self.populate_defaults = populate_defaults
        super().__init__(
            name, valid_type=None, validator=validator, required=required, non_db=non_db, help=help
        )
        self._ports: dict[str, Port] = {}
        self.valid_type = valid_type
        self.default = default
        self.port_class = port_class

    @property
    def valid_type(self) -> type | tuple[type, ...] | None:
        """The type of undeclared members; setting one makes the namespace dynamic (AiiDA)."""
        return self.dynamic_type

    @valid_type.setter
    def valid_type(self, value: type | tuple[type, ...] | None) -> None:
        if value is not None:
            self.dynamic = True
        self.dynamic_type = value

    def _adopt(self, port: _P) -> _P:
        """A port joining this namespace takes its ``non_db`` unless it set its own (and a
        namespace joining passes it on to its members the same way)."""
        if port._non_db is None and self.non_db:
            port._non_db = True
        if isinstance(port, PortNamespace):
            port._pass_non_db_on()
        return port

    def _pass_non_db_on(self) -> None:
        # members that never chose follow a non_db namespace, also one made non_db after
        # they joined
        if self.non_db:
            for member in self._ports.values():
                self._adopt(member)

    # --- mapping ------------------------------------------------------------------------

    def __getitem__(self, key: str) -> Port:
        return self._ports[key]

    def __setitem__(self, key: str, port: Port) -> None:
        check_port_name(key)
        if not isinstance(port, Port):
            raise TypeError(f"namespace {self.name!r}: {key!r} must be a Port, not {port!r}")
        self._ports[key] = self._adopt(port)

    def __delitem__(self, key: str) -> None:
        del self._ports[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ports)

    def __len__(self) -> int:
        return len(self._ports)

    @property
    def has_default(self) -> bool:
        return self.default is not UNSPECIFIED

    # --- dotted addressing --------------------------------------------------------------

    def get_port(self, dotted: str, create_dynamically: bool = False) -> Port:
        """The port at ``dotted`` (``a.b.c``), as plumpy's ``get_port``.

        With ``create_dynamically``, a missing level inside a dynamic namespace is made as
        a namespace like the one it is in (dynamic, typed, lazy as it is); otherwise, or
        outside a dynamic namespace, the error names the whole dotted name and the level
        that is missing. Nothing is created unless the whole name can be.

        Raises:
            PortNotFoundError: a ``ValueError`` (as plumpy's) and a ``KeyError``: a name
                that is not a string, has an empty level, or is not there.
            ValueError: a level to create breaks the port name rules.
        """
        parts = _dotted_parts(dotted)
        if create_dynamically:
            for part in parts:
                try:
                    check_port_name(part)
                except ValueError as exc:
                    raise ValueError(f"cannot create port {dotted!r}: {exc}") from None
        namespace: Port = self
        for depth, part in enumerate(parts):
            if not isinstance(namespace, PortNamespace):
                raise PortNotFoundError(
                    f"no port {dotted!r}: {parts[depth - 1]!r} is not a namespace, so it has "
                    f"no {part!r}"
                )
            if part not in namespace._ports:
                if not (namespace.dynamic and create_dynamically):
                    raise PortNotFoundError(
                        f"no port {dotted!r}: no port {part!r} in namespace "
                        f"{namespace.name or '(top level)'!r}"
                    )
                namespace[part] = namespace._like_this(part)
            namespace = namespace._ports[part]
        return namespace

    def _like_this(self, name: str) -> PortNamespace:
        """A new member namespace made dynamically: it takes this one's attributes."""
        return PortNamespace(
            name,
            dynamic=self.dynamic,
            valid_type=self.valid_type,
            validator=self.validator,
            required=self.required,
            default=self.default,
            populate_defaults=self.populate_defaults,
            port_class=self.port_class,
        )

    def create_namespace(self, dotted: str, **kwargs: Any) -> PortNamespace:
        """Create (or return) the namespace at ``dotted``, making every level on the way."""
        if not isinstance(dotted, str):
            check_port_name(dotted)  # raises the TypeError that names the rule
        head, _, rest = dotted.partition(NAMESPACE_SEPARATOR)
        check_port_name(head)
        existing = self._ports.get(head)
        if existing is not None and not isinstance(existing, PortNamespace):
            raise ValueError(f"{head!r} is already a port, not a namespace")
        if existing is None or not rest:
            # the last level takes the given attributes; a re-declaration replaces them
            created = PortNamespace(
                head, port_class=self.port_class, **(kwargs if not rest else {})
            )
            if existing is not None:
                created._ports = existing._ports  # re-declared non_db: _adopt passes it on
            self._ports[head] = self._adopt(created)
            existing = created
        assert isinstance(existing, PortNamespace)
        return existing.create_namespace(rest, **kwargs) if rest else existing

    def ensure_namespace(self, dotted: str) -> PortNamespace:
        """The namespace at ``dotted``, creating only the levels that do not exist yet."""
        target = self
        for part in dotted.split(NAMESPACE_SEPARATOR):
            existing = target._ports.get(part)
            if existing is None:
                check_port_name(part)
                existing = target._adopt(PortNamespace(part, port_class=self.port_class))
                target._ports[part] = existing
            elif not isinstance(existing, PortNamespace):
                raise ValueError(f"{part!r} is already a port, not a namespace")
            target = existing
        return target

    def add_port(self, dotted: str, port: Port) -> None:
        """Declare ``port`` at ``dotted``; a later declaration replaces an earlier one."""
        if not isinstance(dotted, str):
            check_port_name(dotted)
        namespace, _, name = dotted.rpartition(NAMESPACE_SEPARATOR)
        check_port_name(name)
        target = self.ensure_namespace(namespace) if namespace else self
        port.name = name
        target._ports[name] = target._adopt(port)

    # --- defaults and validation --------------------------------------------------------

    def serialize(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` with plain Python values given to declared stored ports made data
        nodes (``run(P, x=1)`` for an ``Int`` port), as AiiDA's default serializer
        ``to_aiida_type`` makes them; anything else is left to validation."""
        from graphflow.orm import Node, to_node  # the ORM imports nothing of the engine

        result = dict(values)
        for name, value in values.items():
            port = self._ports.get(name)
            if isinstance(port, PortNamespace):
                if isinstance(value, Mapping) and not isinstance(value, Node):
                    result[name] = port.serialize(value)
            elif (
                port is not None
                and not port.non_db
                and port.valid_type is not None
                and isinstance(value, (bool, int, float, str, dict, list))
            ):
                node = to_node(value)
                if isinstance(node, port.valid_type):
                    result[name] = node
        return result

    def apply_defaults(self, values: Mapping[str, Any] | None) -> dict[str, Any]:
        """A copy of ``values`` with the defaults of every absent port filled in."""
        result = dict(values or {})
        for name, port in self._ports.items():
            if isinstance(port, PortNamespace):
                if name not in result and not port.populate_defaults:
                    continue  # a lazy namespace not given stays absent, defaults and all
                given = result.get(name)
                if given is None and port.has_default:
                    given = port.default() if callable(port.default) else port.default
                if isinstance(given, Mapping) or (given is None and _has_any_default(port)):
                    filled = port.apply_defaults(given if isinstance(given, Mapping) else None)
                    if filled or given is not None:
                        result[name] = filled
            elif name not in result:
                # only an absent value takes the default: None given for an optional port
                # is kept, as in AiiDA ('x' in inputs, inputs.x is None)
                value = (
                    port.default_value()
                    if isinstance(port, InputPort) and port.has_default
                    else None
                )
                if value is not None:
                    result[name] = value
        return result

    def validate(self, value: Any, path: str = "") -> list[PortProblem]:
        """Every problem in ``value`` (a mapping), recursively, with dotted paths."""
        here = path or self.name or "(inputs)"
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            return [PortProblem(here, f"got {_describe(value)}, expected a mapping of values")]
        problems: list[PortProblem] = []
        for name, port in self._ports.items():
            sub = f"{path}.{name}" if path else name
            if name not in value or value[name] is None:
                if port.required and not _optional_namespace(port):
                    problems.extend(
                        PortProblem(missing, "required value was not given")
                        for missing in _required_paths(port, sub)
                    )
                continue
            problems.extend(port.validate(value[name], sub))
        for name in value:
            if name in self._ports:
                continue
            sub = f"{path}.{name}" if path else name
            if not self.dynamic:
                known = ", ".join(sorted(self._ports)) or "none"
                problems.append(
                    PortProblem(sub, f"unexpected value: this namespace declares only {known}")
                )
            elif self.dynamic_type is not None and not isinstance(value[name], self.dynamic_type):
                if isinstance(value[name], Mapping):
                    continue  # a nested dynamic namespace
                problems.append(
                    PortProblem(
                        sub,
                        f"got {_describe(value[name])}, expected {_type_name(self.dynamic_type)}",
                    )
                )
        if not problems and self.validator is not None:
            message = _call_validator(self.validator, dict(value), self)
            if message:
                problems.append(PortProblem(here, message))
        return problems

    def copy(self) -> PortNamespace:
        clone = PortNamespace(
            self.name,
            dynamic=self.dynamic,
            valid_type=self.dynamic_type,
            validator=self.validator,
            required=self.required,
            non_db=self.non_db,
            help=self.help,
            default=self.default,
            populate_defaults=self.populate_defaults,
            port_class=self.port_class,
        )
        clone._ports = {name: port.copy() for name, port in self._ports.items()}
        return clone

    def absorb(
        self,
        other: PortNamespace,
        *,
        namespace: str | None = None,
        include: list[str] | tuple[str, ...] | None = None,
        exclude: list[str] | tuple[str, ...] | None = None,
    ) -> list[str]:
        """Copy ``other``'s ports into this namespace (or a sub-namespace); return their names.

        ``include`` and ``exclude`` name ports, dotted for ports inside namespaces
        (``exclude=('pw.parent_folder',)``), and cannot both be given.
        """
        if not isinstance(other, PortNamespace):
            # a ValueError, as plumpy's absorb raises
            raise ValueError(
                f"namespace {self.name!r}: can only absorb a PortNamespace, not "
                f"{type(other).__name__} ({other!r})"
            )
        if include is not None and exclude is not None:
            raise ValueError("give include or exclude, not both")
        target = self.ensure_namespace(namespace) if namespace else self
        copied = []
        for name, port in other._ports.items():
            inner = _rules_inside(name, include if include is not None else exclude)
            if include is not None and name not in include and not inner:
                continue
            if exclude is not None and name in exclude:
                continue
            kept = port.copy()
            if inner and (include is None or name not in include):
                if not isinstance(port, PortNamespace) or not isinstance(kept, PortNamespace):
                    raise ValueError(f"{name!r} is a port, not a namespace: {inner} are not in it")
                kept._ports = {}
                kept.absorb(
                    port,
                    include=inner if include is not None else None,
                    exclude=inner if exclude is not None else None,
                )
            target._ports[name] = target._adopt(kept)
            copied.append(name)
        if include is None and exclude is None and other.dynamic:
            target.dynamic = True
            target.dynamic_type = other.dynamic_type
        return copied

    def non_db_paths(self, values: Mapping[str, Any], path: str = "") -> set[str]:
        """Dotted paths in ``values`` whose port is ``non_db`` (never stored as nodes)."""
        paths: set[str] = set()
        for name, value in values.items():
            sub = f"{path}.{name}" if path else name
            port = self._ports.get(name)
            if port is None:
                if self.non_db:  # an undeclared member of a non_db namespace
                    paths.add(sub)
            elif isinstance(port, PortNamespace) and isinstance(value, Mapping):
                # members may have set their own non_db (False inside a non_db namespace)
                paths |= port.non_db_paths(value, sub)
            elif port.non_db:
                paths.add(sub)
        return paths

    def __repr__(self) -> str:
        dynamic = " dynamic" if self.dynamic else ""
        return f"<PortNamespace {self.name!r} {sorted(self._ports)}{dynamic}>"


def _has_any_default(namespace: PortNamespace) -> bool:
    return any(
        port.has_default or (isinstance(port, PortNamespace) and _has_any_default(port))
        for port in namespace.values()
    )


def _rules_inside(name: str, rules: list[str] | tuple[str, ...] | None) -> list[str]:
    """The include or exclude rules for ports inside the namespace ``name``."""
    prefix = name + NAMESPACE_SEPARATOR
    return [rule[len(prefix) :] for rule in rules or () if rule.startswith(prefix)]


def _optional_namespace(port: Port) -> bool:
    """A namespace whose ports are all optional need not be given at all."""
    if not isinstance(port, PortNamespace):
        return False
    return all(
        not child.required or child.has_default or _optional_namespace(child)
        for child in port.values()
    )


def _required_paths(port: Port, path: str) -> list[str]:
    """The dotted paths of what must be given when ``port`` is absent: the port itself,
    or for a namespace each required member without a default, at any depth (as plumpy
    names ``lazy.b`` rather than ``lazy``)."""
    if not isinstance(port, PortNamespace):
        return [path]
    paths = [
        missing
        for name, child in port.items()
        if child.required and not child.has_default and not _optional_namespace(child)
        for missing in _required_paths(child, f"{path}.{name}")
    ]
    return paths or [path]


def _dotted_parts(dotted: Any) -> list[str]:
    """The levels of a dotted port name; refused when not a string or a level is empty."""
    if not isinstance(dotted, str):
        raise PortNotFoundError(
            f"a port name is a string, not {type(dotted).__name__} ({dotted!r})"
        )
    parts = dotted.split(NAMESPACE_SEPARATOR)
    if not all(parts):
        raise PortNotFoundError(f"port name {dotted!r} has an empty level")
    return parts
