"""Reading informational fields: counts, durations, timestamps, error messages."""

from __future__ import annotations

import datetime

import pytest

from graphflow.errors import SchedulerError, SchedulerSubmitError
from graphflow.schedulers import _parse
from graphflow.schedulers._parse import (
    command_error,
    parse_count,
    parse_duration,
    parse_timestamp,
    quote_output,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0:08", 8),
        ("4:13", 253),
        ("01:00:00", 3600),
        ("1-02:03:04", 93784),
        ("10:00", 600),
        ("17", 17),
        (" 00:42:17 ", 2537),
        ("UNLIMITED", None),
        ("N/A", None),
        ("INVALID", None),
        ("", None),
        (None, None),
        ("1:2:3:4", None),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "count"),
    [("2", 2), (" 16 ", 16), ("", None), ("N/A", None), ("-1", None), (None, None)],
)
def test_parse_count(text, count):
    assert parse_count(text) == count


def test_parse_timestamp_collapses_padding():
    formats = ("%a %b %d %H:%M:%S %Y",)
    expected = datetime.datetime(2024, 3, 5, 9, 12, 33)
    assert parse_timestamp("Tue Mar  5 09:12:33 2024", formats) == expected
    assert parse_timestamp("N/A", formats) is None
    assert parse_timestamp(None, formats) is None


def test_command_error_carries_the_scheduler_words():
    assert command_error("core.x", "qstat", 1, "", " boom \n") == (
        "core.x: qstat failed with exit status 1: boom"
    )
    assert command_error("core.x", "qstat", 2, "on stdout", "").endswith("on stdout")
    assert command_error("core.x", "qstat", 3, "", "").endswith("no output")


def test_quote_output_cuts_long_text():
    assert quote_output("x" * 600).endswith("...")
    assert len(quote_output("x" * 600, 10)) == 13


@pytest.mark.parametrize(
    ("scheduler", "stderr"),
    [
        (
            "core.slurm",
            "sbatch: error: Batch job submission failed: Unable to contact slurm controller "
            "(connect failure)",
        ),
        (
            "core.sge",
            "error: commlib error: got select error (Connection refused)\nUnable to run job: "
            'unable to send message to qmaster using port 6444 on host "vm": got send error',
        ),
        ("core.pbspro", "Connection refused\nqsub: cannot connect to server pbs (errno=15010)"),
        ("core.torque", "qsub: cannot connect to server head (errno=111) Connection refused"),
    ],
)
def test_an_unreachable_scheduler_is_retried_not_a_rejection(scheduler, stderr) -> None:
    error = _parse.submit_error(scheduler, "qsub", 1, "", stderr)
    assert type(error) is SchedulerError
    assert stderr.splitlines()[-1][:40] in str(error)


def test_a_refused_script_is_a_rejection_with_the_schedulers_words() -> None:
    stderr = "sbatch: error: Batch job submission failed: Invalid partition name specified"
    error = _parse.submit_error("core.slurm", "sbatch", 1, "", stderr)
    assert isinstance(error, SchedulerSubmitError)
    assert "Invalid partition name specified" in str(error)
