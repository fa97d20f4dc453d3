"""The direct scheduler: script, detached submission, ps parsing on recorded output."""

from __future__ import annotations

import pytest

from graphflow.errors import SchedulerError, SchedulerSubmitError, ValidationError
from graphflow.schedulers import DirectScheduler, JobResources, JobState, JobTemplate

DIRECT = DirectScheduler()


def test_script_redirects_its_own_output_and_limits_memory():
    script = DIRECT.job_script(
        JobTemplate(command=["code"], max_memory_kb=1000, stdout_name="out.txt")
    )
    lines = script.splitlines()
    assert lines[1] == "exec > out.txt 2> _scheduler-stderr.txt"
    assert lines[2] == "ulimit -v 1000"


def test_script_output_goes_to_the_working_directory():
    script = DIRECT.job_script(JobTemplate(working_directory="/w d", command=["code"]))
    assert script.splitlines()[1] == (
        "exec > '/w d'/_scheduler-stdout.txt 2> '/w d'/_scheduler-stderr.txt"
    )


def test_script_omits_unset_options():
    script = DIRECT.job_script(JobTemplate(command=["code"]))
    assert "ulimit" not in script
    assert "cd " not in script


def test_script_accepts_a_wall_clock_limit_and_leaves_it_unenforced_as_aiida():
    """AiiDA's ``core.direct`` takes ``max_wallclock_seconds`` and writes nothing for it
    (no directive, no ``timeout``): a job ported from AiiDA must end as it did there."""
    plain = DIRECT.job_script(JobTemplate(command=["code"]))
    limited = DIRECT.job_script(JobTemplate(command=["code"], max_wallclock_seconds=60))
    assert limited == plain


def test_script_rejects_every_option_it_cannot_honour_at_once():
    template = JobTemplate(
        resources=JobResources(num_machines=2),
        queue_name="q",
        account="a",
        qos="high",
    )
    with pytest.raises(ValidationError) as caught:
        DIRECT.job_script(template)
    message = str(caught.value)
    for part in (
        "num_machines=2",
        "queue_name='q'",
        "account='a'",
        "qos='high'",
    ):
        assert part in message


def test_submit(recorded):
    command = DIRECT.submit_command("job.sh")
    assert command == "nohup setsid bash job.sh > /dev/null 2>&1 < /dev/null & echo $!"
    assert DIRECT.parse_submit_output(*recorded("direct", "submit").output) == "11041"
    with pytest.raises(SchedulerSubmitError, match="fork: retry"):
        DIRECT.parse_submit_output(1, "", "sh: 1: Cannot fork: retry\n")
    with pytest.raises(SchedulerError, match="a process id"):
        DIRECT.parse_submit_output(0, "\n", "")


def test_status_command():
    assert DIRECT.status_command(["11", "12"]) == "ps -o pid=,stat=,etimes=,user=,args= -p 11,12"


def test_status_of_every_state(recorded):
    jobs = DIRECT.parse_status_output(*recorded("direct", "ps_states").output)
    states = {job_id: (info.state, info.raw_state) for job_id, info in jobs.items()}
    assert states == {
        "11031": (JobState.DONE, "Zs"),
        "11041": (JobState.RUNNING, "Ss"),
        "11045": (JobState.SUSPENDED, "Ts"),
    }
    running = jobs["11041"]
    assert running.owner == "gfsched"
    assert running.title == "bash job.sh"
    assert running.wallclock_seconds == 0
    assert running.exit_code is None


def test_status_when_nothing_is_alive(recorded):
    assert DIRECT.parse_status_output(*recorded("direct", "ps_none_alive").output) == {}


def test_status_failures():
    with pytest.raises(SchedulerError, match="process ID list syntax error"):
        DIRECT.parse_status_output(1, "", "error: process ID list syntax error\n")
    with pytest.raises(SchedulerError, match="PID STAT ETIMES USER ARGS"):
        DIRECT.parse_status_output(0, "  PID STAT\n", "")


def test_unknown_process_state_is_undetermined():
    info = DIRECT.parse_status_output(0, "  77 Q 5 bob sleep 1\n", "")["77"]
    assert (info.state, info.raw_state) == (JobState.UNDETERMINED, "Q")


def test_no_exit_status_command():
    assert DIRECT.exit_status_command(["1"]) is None
    assert DIRECT.parse_exit_status_output(0, "", "") == {}


def test_kill(recorded):
    # A process group: the code the script started goes as well.
    assert DIRECT.kill_command("11041") == "env kill -s TERM -- -11041"
    for fixture in ("kill_running", "kill_unknown"):
        DIRECT.parse_kill_output(*recorded("direct", fixture).output)
    with pytest.raises(SchedulerError, match="Operation not permitted"):
        DIRECT.parse_kill_output(1, "", "kill: (-1): Operation not permitted\n")
