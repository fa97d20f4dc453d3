"""Grid Engine: #$ directives, and parsers on output recorded from Grid Engine 8.1.9."""

from __future__ import annotations

import datetime

import pytest

from graphflow.errors import SchedulerError, SchedulerSubmitError, ValidationError
from graphflow.schedulers import JobResources, JobState, JobTemplate, SgeScheduler

SGE = SgeScheduler(parallel_environment="smp")


def directives(script: str) -> list[str]:
    return [line for line in script.splitlines() if line.startswith("#$")]


def test_script_with_every_option():
    template = JobTemplate(
        job_name="2nd relax",
        command=["mpirun code"],
        resources=JobResources(num_machines=2, num_mpiprocs_per_machine=2, num_cores_per_mpiproc=2),
        max_wallclock_seconds=3700,
        max_memory_kb=1_000_001,
        queue_name="all.q",
        account="proj",
        custom_scheduler_commands=["#$ -l gpu=1"],
    )
    assert directives(SGE.job_script(template)) == [
        "#$ -S /bin/bash",
        "#$ -N j2nd_relax",
        "#$ -o _scheduler-stdout.txt",
        "#$ -e _scheduler-stderr.txt",
        "#$ -cwd",
        "#$ -V",
        "#$ -q all.q",
        "#$ -A proj",
        "#$ -pe smp 8",
        "#$ -l h_rt=1:01:40",
        # 1_000_001 KiB per machine over 4 slots per machine, rounded up.
        "#$ -l h_vmem=250001K",
        "#$ -l gpu=1",
    ]


def test_script_omits_unset_options():
    script = SgeScheduler().job_script(JobTemplate(command=["true"], import_sys_environment=False))
    assert directives(script) == [
        "#$ -S /bin/bash",
        "#$ -N graphflow",
        "#$ -o _scheduler-stdout.txt",
        "#$ -e _scheduler-stderr.txt",
        "#$ -cwd",
    ]
    assert 'cd "$SGE_O_WORKDIR" || exit 1' in script


def test_script_rejects_what_grid_engine_cannot_express():
    with pytest.raises(ValidationError, match="qos='high'"):
        SGE.job_script(JobTemplate(qos="high"))
    with pytest.raises(ValidationError, match=r"4 slots requested .* no parallel environment"):
        SgeScheduler().job_script(JobTemplate(resources=JobResources(num_mpiprocs_per_machine=4)))


def test_submit(recorded):
    assert SGE.submit_command("job.sh") == "qsub -terse job.sh"
    assert SGE.parse_submit_output(*recorded("sge", "qsub_submitted").output) == "1"


@pytest.mark.parametrize(
    ("fixture", "words"),
    [
        ("qsub_invalid_queue", 'job requests unknown queue "nosuch"'),
        ("qsub_invalid_resource", 'unknown resource "nosuch"'),
        ("qsub_invalid_pe", 'parallel environment "nosuch" does not exist'),
    ],
)
def test_submit_rejections_carry_grid_engine_words(recorded, fixture, words):
    with pytest.raises(SchedulerSubmitError, match=words):
        SGE.parse_submit_output(*recorded("sge", fixture).output)


def test_an_unreachable_qmaster_is_retried_not_a_rejection(recorded):
    with pytest.raises(SchedulerError, match="unable to send message to qmaster") as caught:
        SGE.parse_submit_output(*recorded("sge", "qsub_qmaster_down").output)
    assert not isinstance(caught.value, SchedulerSubmitError)


def test_status_command_lists_the_users_jobs():
    assert SGE.status_command(["5", "6"]) == 'qstat -xml -u "$(id -un)"'


def test_status_of_every_state(recorded):
    jobs = SGE.parse_status_output(*recorded("sge", "qstat_states").output)
    states = {job_id: (info.state, info.raw_state) for job_id, info in jobs.items()}
    assert states == {
        "5": (JobState.RUNNING, "r"),
        "6": (JobState.SUSPENDED, "s"),
        "4": (JobState.QUEUED_HELD, "Eqw"),
        "7": (JobState.QUEUED, "qw"),
        "8": (JobState.QUEUED_HELD, "hqw"),
    }
    running = jobs["5"]
    assert running.title == "running"
    assert running.owner == "gfsched"
    assert running.queue == "all.q"
    assert running.num_cpus == 1
    assert running.dispatch_time == datetime.datetime(2026, 11, 25, 3, 29, 40)
    assert running.exit_code is None
    assert jobs["7"].queue is None
    assert jobs["7"].submission_time == datetime.datetime(2026, 11, 25, 3, 29, 44)


def test_status_without_jobs(recorded):
    assert SGE.parse_status_output(*recorded("sge", "qstat_empty").output) == {}


def test_unknown_state_and_odd_names(recorded):
    stdout = recorded("sge", "qstat_states").stdout
    stdout = stdout.replace("<state>qw</state>", "<state>Xq</state>")
    # Grid Engine writes '<' as '%lt;' (a long-standing bug); control characters pass raw.
    stdout = stdout.replace("<JB_name>held</JB_name>", "<JB_name>a&amp;b%lt;c\x01</JB_name>")
    jobs = SGE.parse_status_output(0, stdout, "")
    assert (jobs["7"].state, jobs["7"].raw_state) == (JobState.UNDETERMINED, "Xq")
    assert jobs["8"].title == "a&b%lt;c?"


def test_status_failures():
    with pytest.raises(SchedulerError, match="unable to contact qmaster"):
        SGE.parse_status_output(1, "", "error: unable to contact qmaster using port 6444\n")
    with pytest.raises(SchedulerError, match="not XML"):
        SGE.parse_status_output(0, "<job_info><queue_info>", "")
    with pytest.raises(SchedulerError, match="JB_job_number"):
        SGE.parse_status_output(0, "<job_info><job_list><state>r</state></job_list></job_info>", "")


def test_exit_status_command_asks_qacct_once_per_job():
    assert SGE.exit_status_command(["5", "6"]) == "qacct -j 5; qacct -j 6"


def test_exit_status_from_accounting(recorded):
    codes = SGE.parse_exit_status_output(*recorded("sge", "qacct_finished").output)
    # 7 was deleted before it ran and 999999 never existed: "job id N not found".
    assert codes == {"2": 0, "3": 7, "1": 0, "5": 137}


def test_exit_status_of_a_job_that_never_ran_its_script(recorded):
    stdout = recorded("sge", "qacct_finished").stdout.replace(
        "failed       0    \nexit_status  7",
        "failed       26 : opening input/output file\nexit_status  0",
    )
    assert "3" not in SGE.parse_exit_status_output(0, stdout, "")


def test_exit_status_failures():
    with pytest.raises(SchedulerError, match="can't open accounting file"):
        SGE.parse_exit_status_output(1, "", "error: can't open accounting file\n")
    with pytest.raises(SchedulerError, match="jobnumber, failed and exit_status"):
        SGE.parse_exit_status_output(0, "=====\nqname all.q\n", "")


def test_kill(recorded):
    assert SGE.kill_command("5") == "qdel 5"
    for fixture in ("qdel_running", "qdel_pending", "qdel_unknown"):
        SGE.parse_kill_output(*recorded("sge", fixture).output)
    with pytest.raises(SchedulerError, match="is not owner"):
        SGE.parse_kill_output(
            1, "", "alice - you do not have the necessary privileges: 9 is not owner\n"
        )
