"""Ports and namespaces: declared types, validators, defaults, dynamic namespaces, and that
validation reports every problem with its dotted path."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphflow.engine import InputPort, PortNamespace, ProcessSpec, WorkChain
from graphflow.errors import PortValidationError
from graphflow.orm import Float, Int, Str


def is_positive(value, port) -> str | None:
    return None if value.value > 0 else f"{value.value} is not positive"


def test_declarations_are_declarative() -> None:
    spec = ProcessSpec()
    spec.input("a", valid_type=Int, default=Int(2), validator=is_positive, required=True)
    spec.input("a", valid_type=Float, default=Float(3.0), required=False)
    port = spec.inputs["a"]
    assert port.valid_type is Float
    assert port.default.value == 3.0
    assert not port.required


def test_dotted_namespaces_create_every_level() -> None:
    spec = ProcessSpec()
    spec.input_namespace("nested.input.namespace")
    spec.output_namespace("some.outputs")
    assert isinstance(spec.inputs.get_port("nested.input.namespace"), PortNamespace)
    assert isinstance(spec.outputs.get_port("some.outputs"), PortNamespace)
    spec.input("nested.input.namespace.x", valid_type=Int)
    assert spec.inputs.get_port("nested.input.namespace.x").valid_type is Int


def test_every_problem_is_reported_with_its_path() -> None:
    spec = ProcessSpec()
    spec.input("a", valid_type=Int)
    spec.input("b", valid_type=Int, validator=is_positive)
    spec.input("ns.c", valid_type=Str)
    values = spec.inputs.apply_defaults(
        {"b": Int(-1), "ns": {"c": Int(1), "extra": Int(2)}, "zz": 1}
    )
    problems = {p.path: p.message for p in spec.inputs.validate(values)}
    assert problems["a"] == "required value was not given"
    assert problems["b"] == "-1 is not positive"
    assert "got <Int" in problems["ns.c"]
    assert "expected Str" in problems["ns.c"]
    assert problems["ns.extra"].startswith("unexpected value")
    assert problems["zz"].startswith("unexpected value")


def test_defaults_are_applied_before_validation() -> None:
    spec = ProcessSpec()
    calls = []
    spec.input("n", valid_type=Int, default=lambda: calls.append(1) or Int(5))
    values = spec.inputs.apply_defaults({})
    assert values["n"].value == 5
    assert calls == [1]
    assert spec.inputs.validate(values) == []


def test_dynamic_namespace_with_member_type() -> None:
    ns = PortNamespace("dyn", dynamic=True, valid_type=Int)
    assert ns.validate({"anything": Int(1)}) == []
    (problem,) = ns.validate({"bad": Str("x")})
    assert problem.path == "bad"
    assert "expected Int" in problem.message


def test_validator_that_raises_becomes_a_named_problem() -> None:
    def broken(value):
        raise ValueError("oops")

    spec = ProcessSpec()
    spec.input("x", validator=broken)
    (problem,) = spec.inputs.validate({"x": Int(1)})
    assert problem.path == "x"
    assert "broken raised ValueError: oops" in problem.message


def test_namespace_validator_sees_the_whole_namespace() -> None:
    def a_below_b(values, namespace):
        if values["a"].value >= values["b"].value:
            return "a must be below b"
        return None

    spec = ProcessSpec()
    ns = spec.input_namespace("pair", validator=a_below_b)
    spec.input("pair.a", valid_type=Int)
    spec.input("pair.b", valid_type=Int)
    assert ns is spec.inputs["pair"]
    (problem,) = spec.inputs.validate({"pair": {"a": Int(3), "b": Int(2)}})
    assert (problem.path, problem.message) == ("pair", "a must be below b")


def test_non_db_paths() -> None:
    spec = ProcessSpec()
    spec.input("opts.flag", non_db=True)
    spec.input("x", valid_type=Int)
    assert spec.inputs.non_db_paths({"opts": {"flag": True}, "x": Int(1)}) == {"opts.flag"}


# --- property: generated nested specs ------------------------------------------------------

names = st.text(alphabet="abcdefgh", min_size=1, max_size=4)


@st.composite
def spec_and_values(draw: Any, depth: int = 0) -> tuple[PortNamespace, dict[str, Any]]:
    namespace = PortNamespace("ns")
    values: dict[str, Any] = {}
    for name in draw(st.lists(names, min_size=1, max_size=4, unique=True)):
        if depth < 2 and draw(st.booleans()):
            child, child_values = draw(spec_and_values(depth + 1))
            child.name = name
            namespace[name] = child
            values[name] = child_values
        else:
            namespace[name] = InputPort(name, valid_type=Int)
            values[name] = Int(draw(st.integers()))
    return namespace, values


def leaf_paths(values: dict[str, Any], prefix: str = "") -> list[str]:
    paths = []
    for key, value in values.items():
        path = f"{prefix}.{key}" if prefix else key
        paths += leaf_paths(value, path) if isinstance(value, dict) else [path]
    return paths


def set_path(values: dict[str, Any], path: str, new: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        values = values[part]
    if new is _REMOVE:
        del values[last]
    else:
        values[last] = new


_REMOVE = object()


@settings(max_examples=150, deadline=None)
@given(spec_and_values(), st.data())
def test_valid_values_pass_and_one_corruption_fails_at_its_path(generated, data) -> None:
    namespace, values = generated
    assert namespace.validate(values) == []
    paths = leaf_paths(values)
    path = data.draw(st.sampled_from(paths))
    kind = data.draw(st.sampled_from(["wrong type", "missing", "unexpected"]))
    corrupted = _deep_copy(values)
    if kind == "wrong type":
        set_path(corrupted, path, Str("not an int"))
        expected = path
    elif kind == "missing":
        set_path(corrupted, path, _REMOVE)
        expected = path
    else:
        expected = path.rsplit(".", 1)[0] + ".zzzz" if "." in path else "zzzz"
        set_path(corrupted, expected, Int(1))
    problems = namespace.validate(corrupted)
    if kind == "missing" and _now_empty_namespace(corrupted, path):
        assert problems, "an emptied required namespace must be reported"
        return
    assert [p.path for p in problems] == [expected]


def _deep_copy(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in values.items()}


def _now_empty_namespace(values: dict[str, Any], path: str) -> bool:
    parts = path.split(".")[:-1]
    for part in parts:
        values = values[part]
    return not values


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("a__b", "two consecutive underscores"),
        ("_a", "start or end with an underscore"),
        ("a_", "start or end with an underscore"),
        ("a-b", "letters, digits and underscores"),
        ("2a", "letters, digits and underscores"),
        ("é", "letters, digits and underscores"),
        ("", "letters, digits and underscores"),
    ],
)
def test_port_names_aiida_refuses_are_refused_with_the_rule(name: str, rule: str) -> None:
    spec = ProcessSpec()
    with pytest.raises(ValueError, match=rf"invalid port name {re.escape(repr(name))}: .*{rule}"):
        spec.input(name)
    with pytest.raises(ValueError, match=rule):
        spec.output(f"ok.{name}")
    with pytest.raises(ValueError, match=rule):
        spec.input_namespace(f"{name}.inner" if name else ".inner")
    assert "ok" not in spec.outputs or not len(spec.outputs["ok"])


def test_a_port_name_that_is_not_a_string_is_a_type_error() -> None:
    spec = ProcessSpec()
    with pytest.raises(TypeError, match="a port name is a string, not int"):
        spec.input(5)  # type: ignore[arg-type]


@given(st.from_regex(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", fullmatch=True))
def test_every_name_aiida_accepts_is_accepted(name: str) -> None:
    spec = ProcessSpec()
    spec.input(f"ns.{name}")
    assert spec.inputs["ns"][name].name == name


def test_setting_a_namespace_valid_type_makes_it_dynamic() -> None:
    spec = ProcessSpec()
    namespace = spec.input_namespace("extra")
    assert not namespace.dynamic
    namespace.valid_type = Int
    assert namespace.dynamic
    assert namespace.valid_type is Int
    assert not spec.inputs.validate({"extra": {"anything": Int(1)}})
    problems = spec.inputs.validate({"extra": {"anything": Str("no")}})
    assert [p.path for p in problems] == ["extra.anything"]


def test_ports_inherit_non_db_from_their_namespace_unless_they_set_it() -> None:
    spec = ProcessSpec()
    spec.input_namespace("settings", non_db=True, dynamic=True)
    spec.input("settings.flag", required=False)
    spec.input("settings.kept", valid_type=Int, required=False, non_db=False)
    spec.input("settings.deeper.value", required=False)
    settings_ns = spec.inputs["settings"]
    assert settings_ns["flag"].non_db
    assert settings_ns["deeper"].non_db
    assert settings_ns["deeper"]["value"].non_db
    assert not settings_ns["kept"].non_db
    values = {"settings": {"flag": True, "kept": Int(1), "free": object(), "deeper": {"value": 1}}}
    assert spec.inputs.non_db_paths(values) == {
        "settings.flag",
        "settings.free",
        "settings.deeper.value",
    }


def _inner_spec() -> ProcessSpec:
    spec = ProcessSpec()
    spec.input("code", valid_type=Str)
    spec.input("pw.structure", valid_type=Int)
    spec.input("pw.parent_folder", valid_type=Int, required=False)
    spec.input("pw.settings.mode", valid_type=Str, required=False)
    return spec


class _Inner:
    @staticmethod
    def spec() -> ProcessSpec:
        return _inner_spec()


def test_expose_with_nested_exclude_drops_only_that_port() -> None:
    spec = ProcessSpec()
    spec.expose_inputs(_Inner, exclude=("pw.parent_folder", "pw.settings.mode"))
    assert set(spec.inputs) >= {"code", "pw"}
    assert set(spec.inputs["pw"]) == {"structure", "settings"}
    assert len(spec.inputs["pw"]["settings"]) == 0
    assert set(_inner_spec().inputs["pw"]) == {"structure", "parent_folder", "settings"}


def test_expose_with_nested_include_keeps_only_that_port() -> None:
    spec = ProcessSpec()
    spec.expose_inputs(_Inner, namespace="inner", include=("pw.structure",))
    assert set(spec.inputs["inner"]) == {"pw"}
    assert set(spec.inputs["inner"]["pw"]) == {"structure"}


def test_expose_refuses_include_with_exclude_and_rules_inside_a_port() -> None:
    spec = ProcessSpec()
    with pytest.raises(ValueError, match="give include or exclude, not both"):
        spec.expose_inputs(_Inner, include=("code",), exclude=("pw",))
    with pytest.raises(ValueError, match="'code' is a port, not a namespace"):
        spec.expose_inputs(_Inner, exclude=("code.inner",))


def test_a_namespace_takes_only_ports_under_string_names() -> None:
    namespace = PortNamespace("ns")
    with pytest.raises(TypeError, match="'x' must be a Port, not 5"):
        namespace["x"] = 5  # type: ignore[assignment]
    with pytest.raises(TypeError, match="a port name is a string, not int"):
        namespace[3] = InputPort("x")  # type: ignore[index]
    namespace["x"] = InputPort("x")
    assert namespace["x"].name == "x"


def test_members_follow_a_namespace_made_non_db_after_they_joined() -> None:
    spec = ProcessSpec()
    spec.input("opts.a", required=False)
    spec.input("opts.inner.b", required=False)
    spec.input_namespace("opts", non_db=True)  # re-declared: its members follow
    later = ProcessSpec()
    later.input("flags.x", required=False)
    later.inputs["flags"].non_db = True  # set afterwards: the same
    assert spec.inputs["opts"]["a"].non_db
    assert spec.inputs["opts"]["inner"]["b"].non_db
    assert later.inputs["flags"]["x"].non_db
    values = {"opts": {"a": "plain", "inner": {"b": 1}}}
    assert spec.inputs.non_db_paths(values) == {"opts.a", "opts.inner.b"}


def test_a_lazy_namespace_not_given_gets_no_defaults_as_in_aiida() -> None:
    """``populate_defaults=False``: absent, the namespace stays absent (its defaults are
    not filled in and its required members not asked for); given, even empty, it is
    filled as any namespace is."""
    spec = ProcessSpec()
    spec.input_namespace("lazy", required=False, populate_defaults=False)
    spec.input("lazy.a", valid_type=Int, default=lambda: Int(1))
    spec.input("lazy.b", valid_type=Int)
    spec.input_namespace("eager", required=False)
    spec.input("eager.a", valid_type=Int, default=lambda: Int(2))
    filled = spec.inputs.apply_defaults({})
    assert "lazy" not in filled
    assert filled["eager"]["a"].value == 2
    assert spec.inputs.validate(filled) == []
    given = spec.inputs.apply_defaults({"lazy": {}})
    assert given["lazy"]["a"].value == 1
    assert [p.path for p in spec.inputs.validate(given)] == ["lazy.b"]  # now it is checked
    assert not spec.inputs["lazy"].populate_defaults


def test_get_port_creates_a_namespace_only_when_asked_and_dynamic() -> None:
    spec = ProcessSpec()
    spec.input_namespace("dyn", dynamic=True, valid_type=Int, required=False)
    spec.input_namespace("fixed")
    with pytest.raises(ValueError, match="no port 'sub' in namespace 'dyn'"):
        spec.inputs.get_port("dyn.sub")
    with pytest.raises(KeyError):  # a missing port is a missing key too
        spec.inputs.get_port("dyn.sub")
    created = spec.inputs.get_port("dyn.sub.deeper", create_dynamically=True)
    assert isinstance(created, PortNamespace)
    assert created.dynamic
    assert created.valid_type is Int
    assert not created.required
    assert spec.inputs.get_port("dyn.sub.deeper") is created
    with pytest.raises(ValueError, match="no port 'x' in namespace 'fixed'"):
        spec.inputs.get_port("fixed.x", create_dynamically=True)  # not dynamic
    for bad in ("", 3):
        with pytest.raises(ValueError, match="port name"):
            spec.inputs.get_port(bad)  # type: ignore[arg-type]


def test_plain_values_for_stored_ports_become_nodes_as_aiidas_serializer_makes_them() -> None:
    spec = ProcessSpec()
    spec.input("x", valid_type=Int)
    spec.input("f", valid_type=Float)
    spec.input("label", valid_type=Str)
    spec.input("nested.y", valid_type=Int)
    spec.input("plain", valid_type=int, non_db=True)
    given = spec.inputs.serialize(
        {"x": 1, "f": "not a float", "label": "a", "nested": {"y": 2}, "plain": 3, "extra": 4}
    )
    assert isinstance(given["x"], Int)
    assert given["x"].value == 1
    assert given["f"] == "not a float"  # left to validation, which names the port
    assert isinstance(given["label"], Str)
    assert isinstance(given["nested"]["y"], Int)
    assert given["plain"] == 3  # non_db: kept as it is
    assert given["extra"] == 4  # no port: left to validation
    problems = spec.inputs.validate(spec.inputs.apply_defaults(given))
    assert {p.path for p in problems} == {"f", "extra"}


# --- lazy namespaces and get_port, as an adversary (issue 23, item 11) -------------------


class _Lazy(WorkChain):
    """A lazy namespace with defaults, one nested in an eager namespace, and one whose
    own namespace default must not be applied either."""

    @classmethod
    def define(cls, spec: ProcessSpec) -> None:
        super().define(spec)
        spec.input_namespace("lazy", required=False, populate_defaults=False)
        spec.input("lazy.a", valid_type=Int, default=lambda: Int(1))
        spec.input("lazy.b", valid_type=Int, default=lambda: Int(2))
        spec.input("outer.x", valid_type=Int, default=lambda: Int(3))
        spec.input_namespace("outer.lazy", populate_defaults=False)
        spec.input("outer.lazy.deep.y", valid_type=Int, default=lambda: Int(4))
        spec.input_namespace(
            "with_default", dynamic=True, populate_defaults=False, default=lambda: {"z": Int(5)}
        )
        spec.outline(cls.done)

    def done(self) -> None:
        pass


def test_a_lazy_namespace_not_given_is_absent_from_the_process_inputs() -> None:
    inputs = _Lazy({}).inputs
    assert "lazy" not in inputs
    assert "with_default" not in inputs  # not even its own default, as plumpy skips it
    assert inputs.outer.x.value == 3
    assert "lazy" not in inputs.outer  # nested inside a namespace that was filled


def test_a_lazy_namespace_given_partially_is_filled_at_every_level() -> None:
    inputs = _Lazy({"lazy": {"b": Int(20)}, "outer": {"lazy": {}}}).inputs
    assert inputs.lazy.a.value == 1
    assert inputs.lazy.b.value == 20
    assert inputs.outer.lazy.deep.y.value == 4


def test_a_lazy_namespace_stays_lazy_when_exposed_whole_or_in_part() -> None:
    spec = ProcessSpec()
    spec.expose_inputs(_Lazy, namespace="sub")
    spec.expose_inputs(_Lazy, namespace="some", include=("lazy.a", "outer"))
    filled = spec.inputs.apply_defaults({"sub": {}, "some": {}})
    assert "lazy" not in filled["sub"]
    assert "lazy" not in filled["some"]
    assert "lazy" not in filled["sub"]["outer"]
    assert set(spec.inputs["some"]["lazy"]) == {"a"}


def test_a_required_lazy_namespace_not_given_names_each_missing_port() -> None:
    """Not given, a lazy namespace gets no defaults; if a member is required, the refusal
    names the process, the member's dotted path and the rule, as plumpy's does."""

    class Strict(_Lazy):
        @classmethod
        def define(cls, spec: ProcessSpec) -> None:
            super().define(spec)
            spec.input_namespace("must", populate_defaults=False)
            spec.input("must.inner.c", valid_type=Int)
            spec.input("must.d", valid_type=Int, default=lambda: Int(6))

    with pytest.raises(PortValidationError) as caught:
        Strict({})
    assert caught.value.paths == ["must.inner.c"]
    assert str(caught.value).startswith("Strict:")
    assert "required value was not given" in str(caught.value)


def test_get_port_names_the_whole_dotted_name_it_could_not_find() -> None:
    spec = ProcessSpec()
    spec.input_namespace("dyn", dynamic=True, valid_type=Int, required=False)
    spec.input("fixed.x", valid_type=Int)
    with pytest.raises(ValueError, match=r"'dyn\.sub\.deeper'.*no port 'sub' in namespace"):
        spec.inputs.get_port("dyn.sub.deeper")
    with pytest.raises(ValueError, match=r"'fixed\.x\.y'.*'x' is not a namespace"):
        spec.inputs.get_port("fixed.x.y")


@pytest.mark.parametrize("name", ["dyn.", ".dyn", "dyn..x", "dyn.x."])
def test_get_port_refuses_an_empty_level_of_a_dotted_name(name: str) -> None:
    spec = ProcessSpec()
    spec.input_namespace("dyn", dynamic=True, required=False)
    for create in (False, True):
        with pytest.raises(ValueError, match=rf"{re.escape(repr(name))}.*empty"):
            spec.inputs.get_port(name, create_dynamically=create)
    assert list(spec.inputs["dyn"]) == []  # nothing was created on the way


def test_get_port_creates_only_valid_names_and_keeps_the_namespace_lazy() -> None:
    spec = ProcessSpec()
    spec.input_namespace("dyn", dynamic=True, required=False, populate_defaults=False)
    with pytest.raises(ValueError, match=r"'dyn\.a-b'.*invalid port name 'a-b'"):
        spec.inputs.get_port("dyn.a-b", create_dynamically=True)
    assert list(spec.inputs["dyn"]) == []
    created = spec.inputs.get_port("dyn.sub", create_dynamically=True)
    assert isinstance(created, PortNamespace)
    assert not created.populate_defaults


def test_a_namespace_name_that_is_not_a_string_is_a_type_error_naming_the_rule() -> None:
    spec = ProcessSpec()
    for declare in (spec.input_namespace, spec.output_namespace, spec.input, spec.output):
        with pytest.raises(TypeError, match="a port name is a string, not int"):
            declare(3)  # type: ignore[arg-type]


def test_a_default_that_fails_its_port_is_a_value_error_as_in_plumpy() -> None:
    spec = ProcessSpec()
    with pytest.raises(ValueError, match=r"port 'ns\.a'.*default.*expected Int"):
        spec.input("ns.a", valid_type=Int, default=Str("x"))
    with pytest.raises(ValueError, match=r"port 'b'.*default.*not positive"):
        spec.input("b", valid_type=Int, default=Int(-1), validator=is_positive)


def test_absorbing_something_that_is_not_a_namespace_is_a_value_error_as_in_plumpy() -> None:
    with pytest.raises(ValueError, match=r"absorb.*PortNamespace.*int"):
        PortNamespace("ns").absorb(5)  # type: ignore[arg-type]
