"""Data nodes whose content lives in the graph: base types, Dict and List.

Base types behave like their values: ``Int(3) + Int(4)`` is a new, unstored ``Int(7)``,
comparisons compare values, and ``.value`` gives the Python value. Their value is also a
native ``value`` property, so Cypher can filter on it.
"""

from __future__ import annotations

import copy
import math
import numbers
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from graphflow.errors import NotStorableError
from graphflow.orm._load import incoming_nodes
from graphflow.orm._nodes import Node, data_hash, register_node_class
from graphflow.orm._values import canonical_json, check_storable
from graphflow.store import (
    INT64_MAX,
    INT64_MIN,
    MAX_TEXT_BYTES,
    entry_properties,
    unicode_problem,
)

if TYPE_CHECKING:
    from typing import Self

__all__ = ["BaseType", "Bool", "Data", "Dict", "Float", "Int", "List", "Str", "to_node"]


@register_node_class
class Data(Node):
    """A node that holds data; only calculations create it, and it is immutable once stored."""

    node_type: ClassVar[str] = "core.data"
    create_group: ClassVar[str] = "Data"
    type_label: ClassVar[str] = "Data"

    def _compute_hash(self) -> str | None:
        # files are in the attributes by their content's digest, so they count too
        return data_hash(self.node_type, self._attributes, getattr(self, "_value", None))

    def clone(self) -> Self:
        """An unstored copy with the same content (attributes and files; not extras), as
        AiiDA's ``clone``: what caching gives a calculation served from the cache."""
        twin = copy.copy(self)
        Node.__init__(twin, label=self._label, description=self._description)
        twin._attributes = copy.deepcopy(self._attributes)
        return twin

    def _repository_keys(self) -> list[str]:
        """The repository objects the node's content is in (subclasses with files)."""
        return []

    @property
    def creator(self) -> Node | None:
        """The calculation that created this data (its incoming CREATE link), or None
        for data stored on its own, as AiiDA's ``Data.creator``."""
        if not self.is_stored:
            return None
        creators = list(incoming_nodes(self, ("CREATE",)).values())
        return creators[0] if creators else None


def _binary(op: Callable[[Any, Any], Any], *, reflected: bool = False) -> Callable[..., Any]:
    def method(self: BaseType, other: Any) -> Any:
        if isinstance(other, BaseType):
            other = other.value
        elif not isinstance(other, (numbers.Number, str)):
            return NotImplemented
        left, right = (other, self.value) if reflected else (self.value, other)
        return to_node(op(left, right))

    return method


def _compare(op: Callable[[Any, Any], bool]) -> Callable[..., Any]:
    def method(self: BaseType, other: Any) -> Any:
        if isinstance(other, BaseType):
            other = other.value
        elif isinstance(other, Node):
            return NotImplemented
        return op(self.value, other)

    return method


class BaseType(Data):
    """A node holding one Python value of a fixed type, and behaving like it."""

    python_type: ClassVar[type]

    def __init__(self, value: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if value is None:
            value = self.python_type()
        self._value = self._coerce(value)
        self._attributes["value"] = self._value

    @classmethod
    def _coerce(cls, value: Any) -> Any:
        if isinstance(value, BaseType):
            value = value.value
        if cls.python_type is not bool and isinstance(value, bool):
            name = cls.python_type.__name__
            article = "an" if name[0] in "aeiou" else "a"
            raise NotStorableError(f"{cls.__name__} needs {article} {name}, got a bool")
        try:
            if cls.python_type is int and isinstance(value, float) and not value.is_integer():
                raise ValueError("not an integer")
            if cls.python_type is str and not isinstance(value, str):
                raise TypeError("not a string")
            return cls.python_type(value)
        except (TypeError, ValueError, OverflowError) as exc:
            raise NotStorableError(
                f"{cls.__name__} cannot hold {value!r} ({type(value).__name__}): {exc}"
            ) from exc

    @property
    def value(self) -> Any:
        return self._value

    def _native_properties(self) -> dict[str, Any]:
        return {"value": self._value}

    def _restore(self, props: Mapping[str, Any]) -> None:
        # the native property is exact even where JSON is not (a Float's NaN or infinity)
        self._value = props["value"] if "value" in props else self._attributes.get("value")

    def _repr_extra(self) -> str:
        return f" value={self._value!r}"

    __eq__ = _compare(operator.eq)
    __ne__ = _compare(operator.ne)
    __lt__ = _compare(operator.lt)
    __le__ = _compare(operator.le)
    __gt__ = _compare(operator.gt)
    __ge__ = _compare(operator.ge)

    def __hash__(self) -> int:
        return hash(self._value)

    def __str__(self) -> str:
        return str(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


class _Numeric(BaseType):
    __add__ = _binary(operator.add)
    __radd__ = _binary(operator.add, reflected=True)
    __sub__ = _binary(operator.sub)
    __rsub__ = _binary(operator.sub, reflected=True)
    __mul__ = _binary(operator.mul)
    __rmul__ = _binary(operator.mul, reflected=True)
    __truediv__ = _binary(operator.truediv)
    __rtruediv__ = _binary(operator.truediv, reflected=True)
    __floordiv__ = _binary(operator.floordiv)
    __rfloordiv__ = _binary(operator.floordiv, reflected=True)
    __mod__ = _binary(operator.mod)
    __rmod__ = _binary(operator.mod, reflected=True)
    __pow__ = _binary(operator.pow)
    __rpow__ = _binary(operator.pow, reflected=True)

    def __neg__(self) -> Any:
        return to_node(-self._value)

    def __abs__(self) -> Any:
        return to_node(abs(self._value))

    def __int__(self) -> int:
        return int(self._value)

    def __float__(self) -> float:
        return float(self._value)


@register_node_class
class Int(_Numeric):
    """An integer."""

    node_type: ClassVar[str] = "core.int"
    create_group: ClassVar[str] = "Int"
    type_label: ClassVar[str] = "Int"
    python_type = int

    def __index__(self) -> int:
        return int(self._value)

    @classmethod
    def _coerce(cls, value: Any) -> Any:
        number = super()._coerce(value)
        if not INT64_MIN <= number <= INT64_MAX:
            try:
                str(number)
            except ValueError as exc:  # past sys.get_int_max_str_digits()
                raise NotStorableError(
                    f"Int cannot hold an integer of {number.bit_length():,} bits: {exc}"
                ) from None
        return number

    def _native_properties(self) -> dict[str, Any]:
        # outside 64 bits the store has no integer type: keep the exact decimal text
        if INT64_MIN <= self._value <= INT64_MAX:
            return {"value": self._value}
        return {"value": str(self._value)}

    def _restore(self, props: Mapping[str, Any]) -> None:
        super()._restore(props)
        if isinstance(self._value, str):
            self._value = int(self._value)


@register_node_class
class Float(_Numeric):
    """A float (NaN and infinities are allowed: the value is a native property)."""

    node_type: ClassVar[str] = "core.float"
    create_group: ClassVar[str] = "Float"
    type_label: ClassVar[str] = "Float"
    python_type = float

    def __init__(self, value: Any = None, **kwargs: Any) -> None:
        super().__init__(value, **kwargs)
        if not math.isfinite(self._value):
            # JSON attributes cannot hold it; the native property keeps the exact value
            self._attributes["value"] = None


@register_node_class
class Str(BaseType):
    """A string."""

    node_type: ClassVar[str] = "core.str"
    create_group: ClassVar[str] = "Str"
    type_label: ClassVar[str] = "Str"
    python_type = str

    __add__ = _binary(operator.add)
    __radd__ = _binary(operator.add, reflected=True)

    @classmethod
    def _coerce(cls, value: Any) -> Any:
        text = super()._coerce(value)
        problem = unicode_problem(text)
        if problem is not None:
            raise NotStorableError(f"Str {problem}")
        # the value is stored twice, natively and in the JSON attributes (up to 6 bytes a
        # character there): refuse now what the store would refuse at the end of a step
        if len(text) * 6 > MAX_TEXT_BYTES:
            size = len(canonical_json({"value": text}))  # its JSON attributes
            if size > MAX_TEXT_BYTES:
                raise NotStorableError(
                    f"Str of {len(text):,} characters ({size:,} bytes as JSON) is larger than "
                    f"the {MAX_TEXT_BYTES:,} bytes a stored property may hold; keep large "
                    "text in a SinglefileData (the file repository)"
                )
        return text

    def __len__(self) -> int:
        return len(self._value)


@register_node_class
class Bool(BaseType):
    """A boolean."""

    node_type: ClassVar[str] = "core.bool"
    create_group: ClassVar[str] = "Bool"
    type_label: ClassVar[str] = "Bool"
    python_type = bool

    @classmethod
    def _coerce(cls, value: Any) -> Any:
        if isinstance(value, BaseType):
            value = value.value
        if not isinstance(value, (bool, int)) or (isinstance(value, int) and value not in (0, 1)):
            raise NotStorableError(f"Bool cannot hold {value!r} ({type(value).__name__})")
        return bool(value)


class AttributeView(dict[str, Any]):
    """A dict whose keys are also attributes; a missing one is an ``AttributeError``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no key {name!r} (there are {sorted(self)})") from None


@register_node_class
class Dict(Data):
    """A dictionary of JSON values with string keys; read it like a mapping."""

    node_type: ClassVar[str] = "core.dict"
    create_group: ClassVar[str] = "Dict"
    type_label: ClassVar[str] = "Dict"

    def __init__(self, value: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        node_kwargs = {k: kwargs.pop(k) for k in ("label", "description") if k in kwargs}
        if "dict" in kwargs:  # Dict(dict={...}), as AiiDA users write it
            value = kwargs.pop("dict")
        super().__init__(**node_kwargs)
        content = dict(value or {})
        content.update(kwargs)
        if value is not None and not isinstance(value, Mapping):
            raise NotStorableError(f"Dict needs a mapping, got {type(value).__name__}")
        self._attributes = check_storable(content, "", f"Dict {self.uuid[:8]}")

    def _native_properties(self) -> dict[str, Any]:
        # the entries Cypher can filter on: MATCH (d:Dict) WHERE d.energy < -10
        return entry_properties(self._attributes)

    def get_dict(self) -> dict[str, Any]:
        """A deep copy of the content."""
        return check_storable(self._attributes, "", "Dict")  # type: ignore[no-any-return]

    @property
    def value(self) -> dict[str, Any]:
        return self.get_dict()

    @property
    def dict(self) -> AttributeView:
        """A copy of the content whose keys read as attributes too (``d.dict.energy``),
        as AiiDA's ``Dict.dict``."""
        return AttributeView(self.get_dict())

    def __getitem__(self, key: str) -> Any:
        return self._attributes[key]

    def __contains__(self, key: object) -> bool:
        return key in self._attributes

    def __iter__(self) -> Iterator[str]:
        return iter(self._attributes)

    def __len__(self) -> int:
        return len(self._attributes)

    def get(self, key: str, default: Any = None) -> Any:
        return self._attributes.get(key, default)

    def keys(self) -> Any:
        return self._attributes.keys()

    def items(self) -> Any:
        return self._attributes.items()

    def values(self) -> Any:
        return self._attributes.values()

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise NotStorableError(
                f"{self._ident()}: key {key!r} of type {type(key).__name__} is not a string"
            )
        self._set_attribute(key, value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Dict):
            return self._attributes == other._attributes
        if isinstance(other, Mapping):
            return self._attributes == dict(other)
        return NotImplemented

    __hash__ = Node.__hash__

    def _repr_extra(self) -> str:
        return f" keys={sorted(self._attributes)[:5]}"


@register_node_class
class List(Data):
    """A list of JSON values; read it like a sequence."""

    node_type: ClassVar[str] = "core.list"
    create_group: ClassVar[str] = "List"
    type_label: ClassVar[str] = "List"

    def __init__(self, value: Sequence[Any] | None = None, **kwargs: Any) -> None:
        if "list" in kwargs:  # List(list=[...]), as AiiDA users write it
            value = kwargs.pop("list")
        super().__init__(**kwargs)
        if value is not None and (
            not isinstance(value, Sequence) or isinstance(value, (str, bytes))
        ):
            raise NotStorableError(f"List needs a sequence, got {type(value).__name__}")
        self._attributes["list"] = check_storable(list(value or []), "list", "List")

    def get_list(self) -> list[Any]:
        return list(self._attributes["list"])

    @property
    def value(self) -> list[Any]:
        return self.get_list()

    def __getitem__(self, index: int) -> Any:
        return self._attributes["list"][index]

    def __len__(self) -> int:
        return len(self._attributes["list"])

    def __iter__(self) -> Iterator[Any]:
        return iter(self._attributes["list"])

    def append(self, item: Any) -> None:
        self._set_attribute("list", [*self._attributes["list"], item])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, List):
            return bool(self._attributes["list"] == other._attributes["list"])
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return bool(self._attributes["list"] == list(other))
        return NotImplemented

    __hash__ = Node.__hash__


def to_node(value: Any) -> Node:
    """Wrap a plain Python value in the matching data node (nodes pass through)."""
    if isinstance(value, Node):
        return value
    if isinstance(value, bool):
        return Bool(value)
    if isinstance(value, numbers.Integral):
        return Int(int(value))
    if isinstance(value, numbers.Real):
        return Float(float(value))
    if isinstance(value, str):
        return Str(value)
    if isinstance(value, Mapping):
        return Dict(value)
    if isinstance(value, (list, tuple)):
        return List(list(value))
    raise NotStorableError(
        f"a {type(value).__module__}.{type(value).__qualname__} cannot become a data node "
        "(use Int, Float, Str, Bool, Dict, List or another Data type)"
    )
