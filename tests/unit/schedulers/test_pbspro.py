"""PBS Professional: select chunks, and parsers on fixtures written to its documented formats."""

from __future__ import annotations

import datetime

import pytest

from graphflow.errors import SchedulerError, SchedulerSubmitError, ValidationError
from graphflow.schedulers import JobResources, JobState, JobTemplate, PbsProScheduler

PBSPRO = PbsProScheduler()


def directives(script: str) -> list[str]:
    return [line for line in script.splitlines() if line.startswith("#PBS")]


def test_script_with_every_option():
    template = JobTemplate(
        job_name="relax",
        command=["mpiexec code"],
        resources=JobResources(num_machines=2, num_mpiprocs_per_machine=4, num_cores_per_mpiproc=2),
        max_wallclock_seconds=7200,
        max_memory_kb=4_000_000,
        queue_name="workq",
        account="proj",
        custom_scheduler_commands=["#PBS -l place=scatter"],
    )
    assert directives(PBSPRO.job_script(template)) == [
        "#PBS -N relax",
        "#PBS -o _scheduler-stdout.txt",
        "#PBS -e _scheduler-stderr.txt",
        "#PBS -V",
        "#PBS -q workq",
        "#PBS -A proj",
        "#PBS -l select=2:ncpus=8:mpiprocs=4:ompthreads=2:mem=4000000kb",
        "#PBS -l walltime=2:00:00",
        "#PBS -l place=scatter",
    ]


def test_script_omits_unset_options():
    script = PBSPRO.job_script(JobTemplate(job_name="9 lives", import_sys_environment=False))
    assert directives(script) == [
        "#PBS -N j9_lives",
        "#PBS -o _scheduler-stdout.txt",
        "#PBS -e _scheduler-stderr.txt",
        "#PBS -l select=1:ncpus=1:mpiprocs=1",
    ]
    assert 'cd "$PBS_O_WORKDIR" || exit 1' in script


def test_script_rejects_qos():
    with pytest.raises(ValidationError, match=r"core\.pbspro: cannot express qos='high'"):
        PBSPRO.job_script(JobTemplate(qos="high"))


def test_submit(recorded):
    assert PBSPRO.submit_command("job.sh") == "qsub job.sh"
    assert (
        PBSPRO.parse_submit_output(*recorded("pbspro", "qsub_submitted").output) == "4718.pbsserver"
    )


@pytest.mark.parametrize(
    ("fixture", "words"),
    [
        ("qsub_unknown_queue", "Unknown queue"),
        ("qsub_exceeds_limits", "exceeds queue resource limits"),
    ],
)
def test_submit_rejections(recorded, fixture, words):
    with pytest.raises(SchedulerSubmitError, match=words):
        PBSPRO.parse_submit_output(*recorded("pbspro", fixture).output)


def test_status_command():
    assert PBSPRO.status_command(["4711.pbsserver", "12"]) == "qstat -f 4711.pbsserver 12"
    assert PBSPRO.exit_status_command(["4700.pbsserver"]) == "qstat -x -f 4700.pbsserver"


def test_status_of_every_state(recorded):
    jobs = PBSPRO.parse_status_output(*recorded("pbspro", "qstat_f_states").output)
    states = {job_id: (info.state, info.raw_state) for job_id, info in jobs.items()}
    assert states == {
        "4711.pbsserver": (JobState.RUNNING, "R"),
        "4712.pbsserver": (JobState.QUEUED, "Q"),
        "4713.pbsserver": (JobState.QUEUED_HELD, "H"),
        "4714.pbsserver": (JobState.SUSPENDED, "S"),
        "4715.pbsserver": (JobState.RUNNING, "E"),
        "4716.pbsserver": (JobState.QUEUED, "W"),
        "4717.pbsserver": (JobState.UNDETERMINED, "M"),
    }
    running = jobs["4711.pbsserver"]
    assert running.title == "relax"
    assert running.owner == "alice"
    assert running.queue == "workq"
    assert running.num_machines == 2
    assert running.num_cpus == 16
    assert running.wallclock_seconds == 42 * 60 + 17
    assert running.requested_wallclock_seconds == 7200
    assert running.submission_time == datetime.datetime(2024, 3, 5, 9, 12, 33)
    assert running.dispatch_time == datetime.datetime(2024, 3, 5, 9, 13, 2)
    assert running.annotation is not None
    assert running.annotation.startswith("Job run at Tue Mar 05")
    # Exiting: an Exit_status is shown but the job is not done yet.
    assert jobs["4715.pbsserver"].exit_code is None
    assert jobs["4712.pbsserver"].annotation == (
        "Not Running: Insufficient amount of resource: ncpus (R: 1 A: 0 T: 64)"
    )


def test_status_with_jobs_the_server_no_longer_shows(recorded):
    jobs = PBSPRO.parse_status_output(*recorded("pbspro", "qstat_f_some_unknown").output)
    assert list(jobs) == ["4711.pbsserver"]


def test_status_when_the_server_is_down(recorded):
    with pytest.raises(SchedulerError, match="cannot connect to server pbsserver"):
        PBSPRO.parse_status_output(*recorded("pbspro", "qstat_f_server_down").output)


def test_exit_status_from_the_history(recorded):
    codes = PBSPRO.parse_exit_status_output(*recorded("pbspro", "qstat_xf_finished").output)
    assert codes == {
        "4700.pbsserver": 0,
        "4701.pbsserver": 7,
        "4702.pbsserver": 143,
        "4703.pbsserver": -1,
    }


def test_kill(recorded):
    assert PBSPRO.kill_command("4711.pbsserver") == "qdel 4711.pbsserver"
    for fixture in ("qdel_ok", "qdel_unknown", "qdel_finished"):
        PBSPRO.parse_kill_output(*recorded("pbspro", fixture).output)
    with pytest.raises(SchedulerError, match=r"Unauthorized Request  4720\.pbsserver"):
        PBSPRO.parse_kill_output(*recorded("pbspro", "qdel_not_owner").output)
