"""Torque: nodes/ppn requests, and parsers on fixtures written to its documented formats."""

from __future__ import annotations

import datetime

import pytest

from graphflow.errors import SchedulerError, SchedulerSubmitError, ValidationError
from graphflow.schedulers import JobResources, JobState, JobTemplate, TorqueScheduler

TORQUE = TorqueScheduler()


def directives(script: str) -> list[str]:
    return [line for line in script.splitlines() if line.startswith("#PBS")]


def test_script_with_every_option_on_one_machine():
    template = JobTemplate(
        job_name="a-very-long-relaxation-name",
        command=["mpirun code"],
        resources=JobResources(num_mpiprocs_per_machine=4, num_cores_per_mpiproc=2),
        max_wallclock_seconds=86400,
        max_memory_kb=1000,
        queue_name="batch",
        account="proj",
    )
    assert directives(TORQUE.job_script(template)) == [
        "#PBS -N a-very-long-rel",
        "#PBS -o _scheduler-stdout.txt",
        "#PBS -e _scheduler-stderr.txt",
        "#PBS -V",
        "#PBS -q batch",
        "#PBS -A proj",
        "#PBS -l nodes=1:ppn=8",
        "#PBS -l walltime=24:00:00",
        "#PBS -l mem=1000kb",
    ]


def test_memory_of_a_multi_machine_job_is_per_process():
    template = JobTemplate(
        resources=JobResources(num_machines=3, num_mpiprocs_per_machine=4), max_memory_kb=1001
    )
    assert directives(TORQUE.job_script(template))[-2:] == [
        "#PBS -l nodes=3:ppn=4",
        "#PBS -l pmem=251kb",
    ]


def test_script_omits_unset_options():
    script = TORQUE.job_script(JobTemplate(import_sys_environment=False))
    assert directives(script) == [
        "#PBS -N graphflow",
        "#PBS -o _scheduler-stdout.txt",
        "#PBS -e _scheduler-stderr.txt",
        "#PBS -l nodes=1:ppn=1",
    ]


def test_script_rejects_qos():
    with pytest.raises(ValidationError, match=r"core\.torque: cannot express qos='high'"):
        TORQUE.job_script(JobTemplate(qos="high"))


def test_submit(recorded):
    assert TORQUE.submit_command("job.sh") == "qsub job.sh"
    result = TORQUE.parse_submit_output(*recorded("torque", "qsub_submitted").output)
    assert result == "319.torque.example.org"
    with pytest.raises(SchedulerSubmitError, match="Unknown queue MSG=requested queue not found"):
        TORQUE.parse_submit_output(*recorded("torque", "qsub_unknown_queue").output)


def test_status_of_every_state(recorded):
    jobs = TORQUE.parse_status_output(*recorded("torque", "qstat_f_states").output)
    states = {
        job_id.split(".")[0]: (info.state, info.raw_state, info.exit_code)
        for job_id, info in jobs.items()
    }
    assert states == {
        "312": (JobState.RUNNING, "R", None),
        "313": (JobState.QUEUED, "Q", None),
        "314": (JobState.QUEUED_HELD, "H", None),
        "315": (JobState.RUNNING, "E", None),
        "316": (JobState.DONE, "C", 0),
        "317": (JobState.DONE, "C", 7),
        "318": (JobState.DONE, "C", 143),
    }
    running = jobs["312.torque.example.org"]
    assert running.owner == "bob"
    assert running.queue == "batch"
    assert running.num_machines == 2
    assert running.num_cpus == 8
    assert running.wallclock_seconds == 3723
    assert running.requested_wallclock_seconds == 4 * 3600
    assert running.submission_time == datetime.datetime(2024, 1, 8, 14, 56, 22)
    assert running.dispatch_time == datetime.datetime(2024, 1, 8, 14, 56, 30)
    assert jobs["313.torque.example.org"].num_cpus == 8


def test_status_with_an_unknown_job(recorded):
    jobs = TORQUE.parse_status_output(*recorded("torque", "qstat_f_some_unknown").output)
    assert list(jobs) == ["312.torque.example.org"]


def test_no_exit_status_command():
    assert TORQUE.exit_status_command(["312.torque.example.org"]) is None
    assert TORQUE.parse_exit_status_output(0, "", "") == {}


def test_kill(recorded):
    assert TORQUE.kill_command("312.torque.example.org") == "qdel 312.torque.example.org"
    for fixture in ("qdel_ok", "qdel_unknown"):
        TORQUE.parse_kill_output(*recorded("torque", fixture).output)
    with pytest.raises(SchedulerError, match="invalid state for job"):
        TORQUE.parse_kill_output(
            170,
            "",
            "qdel: Request invalid for state of job MSG=invalid state for job - EXITING 9.s\n",
        )
