"""What a work chain step's return value means, as in AiiDA 2.x (issue 23, items 1 and 13).

AiiDA's ``WorkChain._do_step``: a positive int or an ExitCode with a positive status ends
the outline with that status; zero (``0``, ``ExitCode()``, ``ExitCode(0)``) carries on with
the next step; an int status gets no message, even when the spec declares a code with that
status. ``return_(7)`` in an outline finishes with status 7.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

import graphflow as gf
from graphflow import ExitCode
from graphflow.errors import NotStorableError, ProcessError

pytestmark = pytest.mark.usefixtures("backend")


class ReturnsFromFirstStep(gf.WorkChain):
    """Returns ``value`` from its first step, then records that the second step ran."""

    value: ClassVar[Any] = None

    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.outline(cls.first, cls.second)
        spec.output("second_ran", valid_type=gf.Bool, required=False)
        spec.exit_code(7, "ERROR_DECLARED", message="a declared message that must not leak")

    def first(self) -> Any:
        return type(self).value

    def second(self) -> None:
        self.out("second_ran", gf.Bool(True).store())


def returning(value: Any) -> type[ReturnsFromFirstStep]:
    return type("Returns", (ReturnsFromFirstStep,), {"value": value, "__module__": __name__})


@pytest.mark.parametrize(
    "value",
    [0, ExitCode(), ExitCode(0), ExitCode(0, "fine")],
    ids=["int 0", "ExitCode()", "ExitCode(0)", "ExitCode(0, message)"],
)
def test_a_zero_status_carries_on_with_the_next_step(value: Any) -> None:
    result, node = gf.run_get_node(returning(value))

    assert node.is_finished_ok
    assert node.exit_status == 0
    assert result["second_ran"].value is True


@pytest.mark.parametrize("value", [7, 3, ExitCode(7, "own message")])
def test_a_positive_status_ends_the_outline(value: Any) -> None:
    result, node = gf.run_get_node(returning(value))

    status = value if isinstance(value, int) else value.status
    assert node.exit_status == status
    assert "second_ran" not in result


def test_an_int_status_has_no_message_even_when_a_code_declares_that_status() -> None:
    _, node = gf.run_get_node(returning(7))

    assert (node.exit_status, node.exit_message) == (7, None)


def test_an_exit_code_keeps_its_own_message() -> None:
    _, node = gf.run_get_node(returning(ExitCode(7, "own message")))

    assert (node.exit_status, node.exit_message) == (7, "own message")


class ReturnsInTheOutline(gf.WorkChain):
    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.outline(cls.first, gf.return_(7), cls.never)

    def first(self) -> None:
        pass

    def never(self) -> None:
        raise AssertionError("the outline went past return_")


def test_return_with_an_int_in_the_outline_finishes_with_that_status() -> None:
    _, node = gf.run_get_node(ReturnsInTheOutline)

    assert node.process_state.value == "finished"
    assert node.exit_status == 7


def test_a_negative_status_is_refused_by_name() -> None:
    with pytest.raises(ProcessError, match="exit status -1 is negative"):
        gf.run(returning(-1))


class CountsWithAnInt(gf.WorkChain):
    """A while_ predicate that returns an int, as ported code often does."""

    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.outline(cls.setup, gf.while_(cls.left)(cls.count))

    def setup(self) -> None:
        self.ctx.left = 2

    def left(self) -> Any:
        return self.ctx.left

    def count(self) -> None:
        self.ctx.left -= 1


def test_a_predicate_returning_a_non_bool_warns_and_is_taken_as_its_truth() -> None:
    with pytest.warns(
        UserWarning, match=r"CountsWithAnInt\.left returned int \d, not a bool"
    ) as caught:
        _, node = gf.run_get_node(CountsWithAnInt)
    assert node.is_finished_ok
    assert {w.filename for w in caught} == {__file__}  # it points at the predicate


class StoresALabelThatIsNotText(gf.WorkChain):
    """A step that stores a node labelled with a file name that is not UTF-8 (what
    ``os.listdir`` gives): it used to fail only in the group commit, leaving the work
    chain running for good."""

    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.outline(cls.step)

    def step(self) -> None:
        node = gf.Int(1)
        node.label = "data-\udcff.txt"
        node.store()


def test_a_value_the_store_cannot_hold_ends_the_work_chain_excepted_naming_it() -> None:
    said = r"new Int node .*: property 'label' holds '\\udcff' at position 5"
    with pytest.raises(NotStorableError, match=said):
        gf.run(StoresALabelThatIsNotText)
    (row,) = gf.cypher(
        "MATCH (p:WorkChain {process_label: 'StoresALabelThatIsNotText'}) "
        "RETURN p.process_state AS state, p.exit_message AS message ORDER BY p.pk DESC LIMIT 1"
    )
    assert row["state"] == "excepted"
    assert "lone surrogate" in row["message"]
