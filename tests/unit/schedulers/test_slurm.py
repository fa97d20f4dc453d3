"""SLURM: #SBATCH directives, and parsers on output recorded from SLURM 22.05."""

from __future__ import annotations

import datetime
import re

import pytest

from graphflow.errors import SchedulerError, SchedulerSubmitError
from graphflow.schedulers import JobResources, JobState, JobTemplate, SlurmScheduler

SLURM = SlurmScheduler()


def directives(script: str) -> list[str]:
    return [line for line in script.splitlines() if line.startswith("#SBATCH")]


def test_script_with_every_option():
    template = JobTemplate(
        job_name="relax: it's $x",
        working_directory="/scratch/relax",
        command=["srun code"],
        resources=JobResources(num_machines=2, num_mpiprocs_per_machine=4, num_cores_per_mpiproc=2),
        max_wallclock_seconds=90061,
        max_memory_kb=2_000_000,
        queue_name="debug",
        account="proj-1",
        qos="high",
        custom_scheduler_commands=["#SBATCH --exclusive"],
        import_sys_environment=False,
        stdout_name="out.txt",
        stderr_name="err.txt",
    )
    assert directives(SLURM.job_script(template)) == [
        "#SBATCH --job-name=relax_it_s_x",
        "#SBATCH --output=out.txt",
        "#SBATCH --error=err.txt",
        "#SBATCH --export=NONE",
        "#SBATCH --nodes=2",
        "#SBATCH --ntasks-per-node=4",
        "#SBATCH --cpus-per-task=2",
        "#SBATCH --time=1-1:01:01",
        "#SBATCH --mem=2000000K",
        "#SBATCH --partition=debug",
        "#SBATCH --account=proj-1",
        "#SBATCH --qos=high",
        "#SBATCH --exclusive",
    ]


def test_script_omits_unset_options():
    script = SLURM.job_script(JobTemplate(command=["true"]))
    assert directives(script) == [
        "#SBATCH --job-name=graphflow",
        "#SBATCH --output=_scheduler-stdout.txt",
        "#SBATCH --error=_scheduler-stderr.txt",
        "#SBATCH --export=ALL",
        "#SBATCH --nodes=1",
        "#SBATCH --ntasks-per-node=1",
    ]
    for option in ("--cpus-per-task", "--time", "--mem", "--partition", "--account", "--qos"):
        assert option not in script
    # Without a working directory the job goes back to where sbatch ran.
    assert 'cd "$SLURM_SUBMIT_DIR" || exit 1' in script


def test_submit(recorded):
    assert SLURM.submit_command("job.sh") == "sbatch --parsable job.sh"
    assert SLURM.parse_submit_output(*recorded("slurm", "sbatch_submitted").output) == "6"
    assert SLURM.parse_submit_output(0, "42;cluster2\n", "") == "42"
    assert SLURM.parse_submit_output(0, "43\n", "sbatch: warning: something\n") == "43"


@pytest.mark.parametrize(
    ("fixture", "words"),
    [
        ("sbatch_invalid_partition", "Invalid partition name specified"),
        ("sbatch_invalid_memory", "Requested node configuration is not available"),
    ],
)
def test_submit_rejections_carry_slurm_words(recorded, fixture, words):
    with pytest.raises(SchedulerSubmitError, match=words):
        SLURM.parse_submit_output(*recorded("slurm", fixture).output)


def test_an_unreachable_controller_is_retried_not_a_rejection(recorded):
    with pytest.raises(SchedulerError, match="Unable to contact slurm controller") as caught:
        SLURM.parse_submit_output(*recorded("slurm", "sbatch_controller_down").output)
    assert not isinstance(caught.value, SchedulerSubmitError)


def test_submit_without_an_id_is_not_a_rejection():
    with pytest.raises(SchedulerError, match="expected a job id") as caught:
        SLURM.parse_submit_output(0, "Submitted batch job 5\n", "")
    assert not isinstance(caught.value, SchedulerSubmitError)


def test_status_command_queries_every_id_once():
    command = SLURM.status_command(["6", "8", "12_3"])
    assert command.startswith("squeue --noheader --states=all --jobs=6,8,12_3 --Format=")
    # The name is the last field, so a '|' inside it cannot shift the others.
    assert command.endswith(",Name:0'")


def test_status_of_every_state(recorded):
    jobs = SLURM.parse_status_output(*recorded("slurm", "squeue_all_states").output)
    states = {job_id: (info.state, info.raw_state, info.exit_code) for job_id, info in jobs.items()}
    assert states == {
        "10": (JobState.DONE, "CANCELLED", 143),
        "8": (JobState.DONE, "COMPLETED", 0),
        "6": (JobState.DONE, "FAILED", 1),
        "9": (JobState.DONE, "FAILED", 7),
        "15": (JobState.QUEUED_HELD, "PENDING", None),
        "14": (JobState.QUEUED_HELD, "PENDING", None),
        "13": (JobState.QUEUED_HELD, "PENDING", None),
        "11": (JobState.RUNNING, "RUNNING", None),
        "12": (JobState.RUNNING, "RUNNING", None),
        "7": (JobState.DONE, "TIMEOUT", 143),
    }
    assert jobs["14"].title == "odd|name with|bars"
    assert jobs["15"].title == "two\nlines"
    timeout = jobs["7"]
    assert timeout.annotation == "TimeLimit"
    assert timeout.wallclock_seconds == 81
    assert timeout.requested_wallclock_seconds == 60
    assert timeout.owner == "gfsched"
    assert timeout.queue == "debug"
    assert timeout.num_machines == 1
    assert timeout.num_cpus == 1
    assert timeout.submission_time == datetime.datetime(2026, 11, 25, 3, 15, 16)
    assert jobs["13"].annotation == "JobHeldUser"
    assert jobs["13"].dispatch_time is None
    assert jobs["11"].requested_wallclock_seconds is None


def test_status_pending_for_resources(recorded):
    jobs = SLURM.parse_status_output(*recorded("slurm", "squeue_pending_resources").output)
    (info,) = jobs.values()
    assert (info.state, info.annotation) == (JobState.QUEUED, "Resources")
    assert info.title == "full_options_it_s_x_rm_-rf"


def test_status_while_jobs_run(recorded):
    jobs = SLURM.parse_status_output(*recorded("slurm", "squeue_pending_running").output)
    assert jobs["12"].state is JobState.QUEUED
    assert jobs["12"].annotation is None
    assert jobs["7"].state is JobState.RUNNING


@pytest.mark.parametrize("fixture", ["squeue_invalid_job_id", "squeue_all_unknown"])
def test_vanished_jobs_are_absent_not_errors(recorded, fixture):
    assert SLURM.parse_status_output(*recorded("slurm", fixture).output) == {}


def test_a_vanished_job_among_known_ones_is_absent(recorded):
    jobs = SLURM.parse_status_output(*recorded("slurm", "squeue_some_unknown").output)
    assert list(jobs) == ["8"]


def test_status_failure_is_an_error():
    with pytest.raises(SchedulerError, match="Unable to contact slurm controller"):
        SLURM.parse_status_output(
            1, "", "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n"
        )


def test_unknown_state_is_undetermined_and_kept():
    line = "5|SOMETHING_NEW|None|debug|1|1|0:00|UNLIMITED|N/A|N/A|bob|0|job\n"
    info = SLURM.parse_status_output(0, line, "")["5"]
    assert (info.state, info.raw_state, info.exit_code) == (
        JobState.UNDETERMINED,
        "SOMETHING_NEW",
        None,
    )


def test_garbage_status_is_an_error():
    with pytest.raises(SchedulerError, match=re.escape("13 '|'-separated fields")):
        SLURM.parse_status_output(0, "not squeue output\n", "")


def test_exit_status_command():
    assert SLURM.exit_status_command(["6", "8"]) == (
        "sacct -c -X -n -P -o jobid,state,exitcode --jobs=6,8"
    )
    with_database = SlurmScheduler(accounting_database=True)
    assert with_database.exit_status_command(["6"]).startswith("sacct -X -n -P")


def test_exit_status_from_the_job_completion_file(recorded):
    codes = SLURM.parse_exit_status_output(*recorded("slurm", "sacct_finished").output)
    # CANCELLED and TIMEOUT are recorded as 0:0 in the job-completion file: not successes.
    assert codes == {"6": 1, "8": 0, "9": 7}


def test_exit_status_signals_and_requeues():
    stdout = "5|CANCELLED by 1000|0:15\n6|FAILED|2:0\n6|COMPLETED|0:0\n7|OUT_OF_MEMORY|0:125\n"
    assert SLURM.parse_exit_status_output(0, stdout, "") == {"5": 143, "6": 0, "7": 253}


def test_exit_status_failures(recorded):
    with pytest.raises(SchedulerError, match="Permission denied"):
        SLURM.parse_exit_status_output(*recorded("slurm", "sacct_jobcomp_unreadable").output)
    with pytest.raises(SchedulerError, match=re.escape("JOBID|STATE|EXIT:SIGNAL")):
        SLURM.parse_exit_status_output(0, "5|COMPLETED\n", "")


def test_kill(recorded):
    assert SLURM.kill_command("6") == "scancel 6"
    for fixture in ("scancel_running", "scancel_unknown", "scancel_completed"):
        SLURM.parse_kill_output(*recorded("slurm", fixture).output)
    with pytest.raises(SchedulerError, match="Invalid job id 12abc"):
        SLURM.parse_kill_output(*recorded("slurm", "scancel_malformed").output)
