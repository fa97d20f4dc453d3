"""The exit code API as AiiDA 2.x has it (issue 23, item 11)."""

from __future__ import annotations

import pytest

from graphflow import ExitCode, WorkChain
from graphflow.engine import ProcessSpec


class Declares(WorkChain):
    @classmethod
    def define(cls, spec: ProcessSpec) -> None:
        super().define(spec)
        spec.exit_code(300, "ERROR_INPUT", "the input {name} was refused")
        spec.exit_code(301, "ERROR_OTHER", "something else")
        spec.outline(cls.go)

    def go(self) -> None:
        pass


def test_exit_codes_by_label_or_status_and_as_a_mapping() -> None:
    codes = Declares.exit_codes
    assert codes(300) is codes("ERROR_INPUT") is codes.ERROR_INPUT
    assert codes("301").label == "ERROR_OTHER"
    assert ("ERROR_INPUT", codes.ERROR_INPUT) in codes.items()
    assert "ERROR_OTHER" in list(codes)
    assert codes.ERROR_OTHER in codes.values()
    with pytest.raises(ValueError, match="no exit code with status 999"):
        codes(999)
    with pytest.raises(ValueError, match="no exit code labelled 'NOPE'"):
        codes("NOPE")


def test_exit_statuses_by_label() -> None:
    assert Declares.get_exit_statuses(["ERROR_OTHER", "ERROR_INPUT"]) == [301, 300]
    with pytest.raises(AttributeError, match="no exit code labelled 'NOPE'"):
        Declares.get_exit_statuses(["NOPE"])


def test_format_fills_placeholders_and_a_missing_one_is_a_value_error() -> None:
    code = Declares.exit_codes.ERROR_INPUT
    assert code.format(name="x").message == "the input x was refused"
    assert code.message == "the input {name} was refused"  # the declared one is unchanged
    with pytest.raises(ValueError, match=r"needs 'name'.*given: nothing"):
        code.format()
    with pytest.raises(ValueError, match="exit code 5 has no message to format"):
        ExitCode(5).format(anything="ok")  # as AiiDA's: 'message is None'


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        (("300", "E", "m"), TypeError, "status must be an int"),
        ((300, 5, "m"), TypeError, "label must be a str"),
        ((300, "E", None), TypeError, "message must be a str"),
        ((-1, "E", "m"), ValueError, "must not be negative"),
        ((300, "not an id", "m"), ValueError, "is not an identifier"),
    ],
)
def test_exit_code_declarations_are_checked(args: tuple, error: type, words: str) -> None:
    spec = ProcessSpec()
    with pytest.raises(error, match=words):
        spec.exit_code(*args)


@pytest.mark.parametrize(("flag", "status"), [(True, 1), (False, 0)])
def test_a_bool_status_is_taken_as_the_int_it_is_as_in_aiida(flag: bool, status: int) -> None:
    """AiiDA's ``spec.exit_code`` checks ``isinstance(status, int)``, which a bool is:
    ``exit_code(True, ...)`` declares status 1. graphflow keeps the plain int, so the
    status stored on a node is a number as every other one is."""
    spec = ProcessSpec()
    spec.exit_code(flag, "ERROR_FLAG", "a flag")
    declared = spec.exit_codes.ERROR_FLAG
    assert declared.status == status
    assert type(declared.status) is int
    assert spec.exit_codes(status) is declared
