"""graphflow's errors are AiiDA's built-in exceptions where AiiDA raises a built-in, so a
ported ``except ValueError`` still catches them."""

from __future__ import annotations

import pytest

import graphflow as gf
from graphflow.errors import LinkRuleError, NotStorableError, PortValidationError, ProcessError


class NeedsAnInt(gf.WorkChain):
    @classmethod
    def define(cls, spec: gf.ProcessSpec) -> None:
        super().define(spec)
        spec.input("x", valid_type=gf.Int)
        spec.outline(cls.done)

    def done(self) -> None:
        pass


def test_a_port_that_fails_validation_is_a_value_error_as_in_plumpy() -> None:
    with pytest.raises(ValueError, match=r"x: .*Int") as caught:
        NeedsAnInt({"x": gf.Str("one")})
    assert isinstance(caught.value, PortValidationError)


def test_a_value_a_type_cannot_hold_is_a_value_error_as_in_aiida() -> None:
    with pytest.raises(ValueError, match="Int cannot hold 'a'") as caught:
        gf.Int("a")
    assert isinstance(caught.value, NotStorableError)


def test_a_link_against_the_rules_is_a_value_error_as_in_aiida() -> None:
    assert issubclass(LinkRuleError, ValueError)


@gf.calcfunction
def add(a: gf.Int, b: gf.Int) -> gf.Int:
    return a + b


def test_arguments_that_do_not_fit_are_a_type_error_as_in_python() -> None:
    with pytest.raises(TypeError, match="too many positional arguments"):
        add(gf.Int(1), gf.Int(2), gf.Int(3))
    with pytest.raises(TypeError, match="inputs are given as a dict or as keywords"):
        gf.run(NeedsAnInt, gf.Int(1))  # type: ignore[arg-type]


def test_attribute_dict_is_there_for_ported_code() -> None:
    data = gf.AttributeDict({"a": 1})
    assert data.a == 1


def test_an_unknown_metadata_key_is_refused_as_in_aiida() -> None:
    with pytest.raises(ValueError, match=r"metadata\.lable"):
        NeedsAnInt({"x": gf.Int(1), "metadata": {"lable": "misspelt"}})


def test_running_something_that_is_not_a_process_is_a_value_error_as_in_aiida() -> None:
    """AiiDA's ``instantiate_process`` raises ValueError for anything but a process."""
    for launch in (gf.run, gf.run_get_node):
        with pytest.raises(ValueError, match=r"5 cannot be run"):
            launch(5)


def test_inputs_given_both_as_a_dict_and_as_keywords_are_refused_as_in_aiida() -> None:
    """AiiDA's ``prepare_inputs`` refuses both at once (ValueError); merging them would
    let one silently replace the other."""
    for launch, verb in ((gf.run, "run"), (gf.run_get_node, "run"), (gf.submit, "submit")):
        with pytest.raises(ValueError, match=rf"{verb}\(NeedsAnInt, \.\.\.\).*both"):
            launch(NeedsAnInt, {"x": gf.Int(1)}, x=gf.Int(2))


def test_exit_code_arguments_are_checked_as_in_aiida() -> None:
    spec = gf.ProcessSpec()
    with pytest.raises(TypeError, match="invalidates_cache must be a bool"):
        spec.exit_code(400, "ERROR_X", "x", invalidates_cache="yes")  # type: ignore[arg-type]
    assert "ERROR_X" not in spec.exit_codes


def test_formatting_an_exit_code_without_a_message_is_a_value_error_as_in_aiida() -> None:
    with pytest.raises(ValueError, match="exit code 3 has no message to format"):
        gf.ExitCode(3).format(x="1")


def plain_function(x: int) -> int:
    return x


@pytest.mark.parametrize("expose", ["expose_inputs", "expose_outputs"])
@pytest.mark.parametrize(
    ("given", "named"),
    [(5, "5"), ("NeedsAnInt", "'NeedsAnInt'"), (plain_function, "plain_function"), (int, "int")],
)
def test_exposing_something_that_is_not_a_process_is_an_attribute_error_as_in_plumpy(
    expose: str, given: object, named: str
) -> None:
    """plumpy calls ``process_class.spec()``: for anything but a process that is an
    AttributeError. graphflow's says which call and what it was given."""
    spec = gf.ProcessSpec()
    before = (set(spec.inputs), set(spec.outputs))
    with pytest.raises(AttributeError, match=rf"{expose}\({named}\).*not a process") as caught:
        getattr(spec, expose)(given)
    assert isinstance(caught.value, ProcessError)
    assert (set(spec.inputs), set(spec.outputs)) == before  # nothing was exposed


def test_a_work_chain_exposing_a_non_process_names_it_not_a_missing_method() -> None:
    with pytest.raises(AttributeError, match=r"expose_inputs\(5\)") as caught:

        class ExposesANumber(gf.WorkChain):
            @classmethod
            def define(cls, spec: gf.ProcessSpec) -> None:
                super().define(spec)
                spec.expose_inputs(5)  # type: ignore[arg-type]
                spec.outline(cls.done)

            def done(self) -> None:
                pass

    assert "define() refers to" not in str(caught.value)


def test_include_and_exclude_are_checked_as_plumpy_does_for_inputs_and_outputs() -> None:
    """plumpy refuses a non-empty ``exclude`` with an ``include`` (ValueError), for
    outputs as for inputs; an empty ``exclude`` is no exclusion."""
    spec = gf.ProcessSpec()
    with pytest.raises(ValueError, match="include or exclude, not both"):
        spec.expose_outputs(NeedsAnInt, include=["x"], exclude=["y"])
    spec.expose_inputs(NeedsAnInt, namespace="child", include=["x"], exclude=())
    assert set(spec.inputs["child"]) == {"x"}


def test_dict_content_reads_as_attributes_through_dict_as_in_aiida() -> None:
    d = gf.Dict({"energy": -1.5, "nested": {"k": 1}})
    assert d.dict.energy == -1.5
    assert d.dict["nested"] == {"k": 1}
    assert getattr(d.dict, "missing", "absent") == "absent"
    with pytest.raises(
        AttributeError, match=r"no key 'missing' \(there are \['energy', 'nested'\]\)"
    ):
        _ = d.dict.missing
    d.dict["energy"] = 0  # a copy, as AiiDA's: the node does not change
    assert d["energy"] == -1.5
