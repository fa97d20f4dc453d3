"""Job descriptions and records: defaults, validation messages, immutability."""

from __future__ import annotations

import pytest

from graphflow.errors import ValidationError
from graphflow.schedulers import JobInfo, JobResources, JobState, JobTemplate


def test_resources_defaults_and_totals():
    assert JobResources() == JobResources(1, 1, None)
    resources = JobResources(num_machines=3, num_mpiprocs_per_machine=4, num_cores_per_mpiproc=2)
    assert resources.tot_num_mpiprocs == 12
    assert resources.cores_per_machine == 8
    assert JobResources(num_mpiprocs_per_machine=4).cores_per_machine == 4


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"num_machines": 0}, "num_machines: expected a positive int, got 0"),
        ({"num_machines": -2}, "num_machines: expected a positive int, got -2"),
        ({"num_machines": "2"}, "num_machines: expected a positive int, got '2' (str)"),
        ({"num_machines": True}, "num_machines: expected a positive int, got True (bool)"),
        ({"num_mpiprocs_per_machine": 1.5}, "num_mpiprocs_per_machine: expected a positive int"),
        ({"num_cores_per_mpiproc": 0}, "num_cores_per_mpiproc: expected a positive int or None"),
    ],
)
def test_resources_reject_bad_values_naming_field_and_value(kwargs, expected):
    with pytest.raises(ValidationError, match="JobResources") as caught:
        JobResources(**kwargs)
    assert expected in str(caught.value)


def test_resources_report_every_problem_at_once():
    with pytest.raises(ValidationError) as caught:
        JobResources(num_machines=0, num_mpiprocs_per_machine=-1, num_cores_per_mpiproc="x")  # type: ignore[arg-type]
    message = str(caught.value)
    assert "3 problems" in message
    for field in ("num_machines", "num_mpiprocs_per_machine", "num_cores_per_mpiproc"):
        assert field in message


def test_template_defaults_are_valid():
    template = JobTemplate()
    assert template.working_directory is None
    assert template.command == ()
    assert template.resources == JobResources()
    assert template.import_sys_environment is True
    assert template.stdout_name == "_scheduler-stdout.txt"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"working_directory": "relative/dir"}, "working_directory: expected an absolute path"),
        ({"working_directory": 3}, "working_directory: expected a str or None"),
        ({"command": "echo hi"}, "command: expected a sequence of str (one per line)"),
        ({"command": ["echo", 3]}, "command[1]: expected a str, got 3"),
        ({"resources": {"num_machines": 1}}, "resources: expected a JobResources"),
        ({"max_wallclock_seconds": 0}, "max_wallclock_seconds: expected a positive int or None"),
        ({"max_memory_kb": -5}, "max_memory_kb: expected a positive int or None, got -5"),
        ({"queue_name": "debug\n#SBATCH --x"}, "queue_name: 'debug\\n#SBATCH --x' cannot be"),
        ({"account": "my account"}, "account: 'my account' cannot be written"),
        ({"qos": "$(id)"}, "qos: '$(id)' cannot be written"),
        ({"custom_scheduler_commands": ["#SBATCH a\nrm x"]}, "custom_scheduler_commands[0]"),
        ({"custom_scheduler_commands": "#SBATCH -x"}, "custom_scheduler_commands: expected a"),
        ({"prepend_text": "a\0b"}, "prepend_text: NUL bytes"),
        ({"append_text": None}, "append_text: expected a str, got None"),
        ({"environment": {"1BAD": "x"}}, "environment: '1BAD' is not a shell variable name"),
        ({"environment": {"A-B": "x"}}, "'A-B' is not a shell variable name"),
        ({"environment": {"GOOD": 1}}, "environment['GOOD']: expected a str, got 1"),
        ({"environment": ["A=1"]}, "environment: expected a mapping"),
        ({"stdout_name": "../out"}, "stdout_name: '../out' cannot be written"),
        ({"stderr_name": "err file"}, "stderr_name: 'err file' cannot be written"),
        ({"import_sys_environment": "yes"}, "import_sys_environment: expected a bool"),
        ({"job_name": None}, "job_name: expected a str, got None"),
    ],
)
def test_template_rejects_bad_values_naming_field_and_value(kwargs, expected):
    with pytest.raises(ValidationError, match="JobTemplate") as caught:
        JobTemplate(**kwargs)
    assert expected in str(caught.value)


def test_template_reports_every_problem_at_once():
    with pytest.raises(ValidationError) as caught:
        JobTemplate(working_directory="rel", queue_name="a b", max_memory_kb=0)
    message = str(caught.value)
    assert "3 problems" in message
    assert "working_directory" in message
    assert "queue_name" in message
    assert "max_memory_kb" in message


def test_template_accepts_any_text_where_it_is_quoted():
    template = JobTemplate(
        job_name="it's a $job\nwith newline",
        working_directory='/scratch/it\'s "here" $HOME\nx',
        environment={"VALUE": "$(rm -rf ~) `id` 'quote' \"dq\" \\ \n"},
        command=["echo 'multi\nline'"],
    )
    assert template.environment["VALUE"].startswith("$(rm")


def test_template_freezes_its_containers():
    command = ["echo one"]
    environment = {"A": "1"}
    template = JobTemplate(command=command, environment=environment)
    command.append("echo two")
    environment["B"] = "2"
    assert template.command == ("echo one",)
    assert dict(template.environment) == {"A": "1"}
    with pytest.raises(TypeError):
        template.environment["C"] = "3"  # type: ignore[index]


def test_job_state_and_info():
    assert str(JobState.QUEUED_HELD) == "queued_held"
    info = JobInfo(job_id="1", state=JobState.RUNNING, raw_state="R")
    assert info.exit_code is None
    assert info.title is None
