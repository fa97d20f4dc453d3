"""The qstat -f reader and the exit-status convention PBS Pro and Torque share."""

from __future__ import annotations

import pytest

from graphflow.errors import SchedulerError, SchedulerSubmitError
from graphflow.schedulers._pbs import (
    check_kill_output,
    exit_code,
    parse_qstat_full,
    parse_submit_output,
    status_records,
)


def test_records_attributes_and_continuations():
    text = (
        "Job Id: 1.server\n"
        "    Job_Name = a\n"
        "    Variable_List = A=1,B=2,\n"
        "\tC=3,D=\n"
        "\t4\n"
        "    comment = has = inside\n"
        "    empty =\n"
        "\n"
        "Job Id: 2.server\n"
        "    job_state = Q\n"
        "\n"
    )
    assert parse_qstat_full("core.x", text) == [
        (
            "1.server",
            {
                "Job_Name": "a",
                "Variable_List": "A=1,B=2,C=3,D=4",
                "comment": "has = inside",
                "empty": "",
            },
        ),
        ("2.server", {"job_state": "Q"}),
    ]


def test_empty_output_has_no_records():
    assert parse_qstat_full("core.x", "") == []
    assert parse_qstat_full("core.x", "\n\n") == []


@pytest.mark.parametrize(
    "text",
    [
        "    job_state = R\n",  # attribute before any Job Id
        "Job Id: 1.server\nnot an attribute\n",
        "Job Id: 1.server\n\n\tcontinuation after a blank line\n",
    ],
)
def test_unreadable_lines_are_errors_quoting_them(text):
    with pytest.raises(SchedulerError, match=r"core\.x: cannot read the output of qstat -f"):
        parse_qstat_full("core.x", text)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0", 0),
        ("7", 7),
        ("256", 256),
        ("271", 143),
        ("265", 137),
        ("-1", -1),
        ("x", None),
        (None, None),
    ],
)
def test_exit_code_convention(value, code):
    assert exit_code(value) == code


def test_status_records_tolerate_only_unknown_jobs():
    text = "Job Id: 1.s\n    job_state = R\n\n"
    gone = (
        "qstat: Unknown Job Id Error 2.s\n"
        "qstat: 3.s Job has finished, use -x or -H to obtain historical job information\n"
    )
    assert status_records("core.x", "qstat -f", 153, text, gone) == [("1.s", {"job_state": "R"})]
    with pytest.raises(SchedulerError, match="cannot connect to server"):
        status_records(
            "core.x", "qstat -f", 1, "", "qstat: cannot connect to server s (errno=111)\n"
        )
    with pytest.raises(SchedulerError, match="exit status 2: no output"):
        status_records("core.x", "qstat -f", 2, "", "")


def test_submit_output():
    assert (
        parse_submit_output("core.x", 0, "12.server.example.org\n", "") == "12.server.example.org"
    )
    assert parse_submit_output("core.x", 0, "13[].server\n", "") == "13[].server"
    with pytest.raises(SchedulerSubmitError, match="qsub: Unknown queue"):
        parse_submit_output("core.x", 170, "", "qsub: Unknown queue\n")
    with pytest.raises(SchedulerError, match="expected a job id"):
        parse_submit_output("core.x", 0, "", "")


def test_kill_output():
    check_kill_output("core.x", 0, "", "")
    check_kill_output("core.x", 153, "", "qdel: Unknown Job Id 9.server\n")
    check_kill_output("core.x", 35, "", "qdel: Job has finished 9.server\n")
    with pytest.raises(SchedulerError, match="Unauthorized Request"):
        check_kill_output("core.x", 159, "", "qdel: Unauthorized Request  9.server\n")
    with pytest.raises(SchedulerError, match="exit status 1: no output"):
        check_kill_output("core.x", 1, "", "")
