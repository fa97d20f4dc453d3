"""Shared shell writing: the script body, names in directives, ids in commands."""

from __future__ import annotations

import re

import pytest

from graphflow.errors import ValidationError
from graphflow.schedulers import JobTemplate
from graphflow.schedulers._shell import (
    check_job_ids,
    check_script_filename,
    format_hms,
    job_script,
    sanitize_job_name,
    unsupported,
)


@pytest.mark.parametrize(
    ("name", "kwargs", "expected"),
    [
        ("relax", {}, "relax"),
        ("relax: it's $x\nrm -rf ~", {}, "relax_it_s_x_rm_-rf"),
        ("a|b c", {}, "a_b_c"),
        ("", {}, "graphflow"),
        ("$$$", {}, "graphflow"),
        ("1st", {"start_alpha": True}, "j1st"),
        ("_x", {"start_alpha": True}, "x"),
        ("averyverylongname", {"max_length": 5}, "avery"),
    ],
)
def test_sanitize_job_name(name, kwargs, expected):
    kwargs.setdefault("max_length", 128)
    assert sanitize_job_name(name, **kwargs) == expected


@pytest.mark.parametrize(
    ("seconds", "text"), [(1, "0:00:01"), (3700, "1:01:40"), (90061, "25:01:01")]
)
def test_format_hms(seconds, text):
    assert format_hms(seconds) == text


def test_check_job_ids_names_every_bad_id():
    shape = re.compile(r"[0-9]+")
    assert check_job_ids("core.x", ["1", "22"], shape) == ["1", "22"]
    with pytest.raises(ValidationError) as caught:
        check_job_ids("core.x", ["1", "2; rm -rf ~", "$(id)", 3], shape)
    message = str(caught.value)
    assert "core.x" in message
    assert "'2; rm -rf ~'" in message
    assert "'$(id)'" in message
    assert "3" in message
    assert "[0-9]+" in message


@pytest.mark.parametrize("name", ["job.sh", "_aiidasubmit.sh", "run-1.sh"])
def test_script_filename_accepts_plain_names(name):
    assert check_script_filename("core.x", name) == name


@pytest.mark.parametrize("name", ["", "../job.sh", "/tmp/job.sh", "-x.sh", "a b.sh", "j;id"])
def test_script_filename_rejects_paths_and_shell(name):
    with pytest.raises(ValidationError, match="not a script file name"):
        check_script_filename("core.x", name)


def test_unsupported_lists_every_set_field():
    unsupported("core.x", [("qos", None)])
    with pytest.raises(ValidationError) as caught:
        unsupported("core.x", [("qos", "high"), ("account", None), ("queue_name", "q")])
    assert "qos='high', queue_name='q'" in str(caught.value)


def test_body_order_and_quoting():
    template = JobTemplate(
        working_directory="/scratch/it's here",
        environment={"A": "x y", "B": "$HOME"},
        prepend_text="module load code\n",
        command=["code < in > out", "echo after"],
        append_text="cp out /tmp\n",
        custom_scheduler_commands=["#X --custom"],
    )
    script = job_script(template, ["#X --directive"], start_directory='"$START"')
    assert script == (
        "#!/bin/bash\n"
        "#X --directive\n"
        "#X --custom\n"
        "\n"
        "export A='x y'\n"
        "export B='$HOME'\n"
        "cd '/scratch/it'\"'\"'s here' || exit 1\n"
        "\n"
        "module load code\n"
        "\n"
        "code < in > out\n"
        "echo after\n"
        "graphflow_exit_code=$?\n"
        "echo \"$graphflow_exit_code\" > '/scratch/it'\"'\"'s here'/.graphflow_exit_code\n"
        "\n"
        "cp out /tmp\n"
        'exit "$graphflow_exit_code"\n'
    )


def test_body_without_working_directory_uses_the_start_directory():
    script = job_script(JobTemplate(command=["true"]), [], start_directory='"$PBS_O_WORKDIR"')
    assert 'cd "$PBS_O_WORKDIR" || exit 1\n' in script
    assert 'echo "$graphflow_exit_code" > "$PBS_O_WORKDIR"/.graphflow_exit_code\n' in script


def test_body_without_any_directory_stays_where_it_starts():
    script = job_script(JobTemplate(command=["true"]), [], start_directory=None)
    assert "cd " not in script
    assert script.endswith(
        'true\ngraphflow_exit_code=$?\necho "$graphflow_exit_code" > .graphflow_exit_code\n'
        'exit "$graphflow_exit_code"\n'
    )
