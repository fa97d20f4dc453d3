"""The exit-code file: its name and the parser of its content."""

from __future__ import annotations

import pytest

from graphflow.errors import SchedulerError
from graphflow.schedulers import EXIT_CODE_FILENAME, parse_exit_code_file
from graphflow.schedulers._exit_code import exit_code_from_signal


def test_file_name():
    assert EXIT_CODE_FILENAME == ".graphflow_exit_code"


@pytest.mark.parametrize(
    ("text", "code"), [("0\n", 0), ("7\n", 7), ("143", 143), (" 255 \n", 255), ("012\n", 12)]
)
def test_parses_what_echo_wrote(text, code):
    assert parse_exit_code_file(text) == code


@pytest.mark.parametrize("text", ["", "\n", "abc\n", "256\n", "-1\n", "1 2\n", "7\n8\n", "0x1"])
def test_rejects_anything_else_naming_file_and_content(text):
    with pytest.raises(SchedulerError) as caught:
        parse_exit_code_file(text)
    message = str(caught.value)
    assert EXIT_CODE_FILENAME in message
    assert repr(text) in message


def test_long_garbage_is_cut_in_the_message():
    with pytest.raises(SchedulerError) as caught:
        parse_exit_code_file("x" * 1000)
    assert len(str(caught.value)) < 200


def test_signals_follow_the_shell_convention():
    assert exit_code_from_signal(15) == 143
    assert exit_code_from_signal(9) == 137
