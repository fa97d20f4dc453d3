"""CalcJob without a store or a computer: job scripts from CalcInfo, checks of what plugins
return, the verdict from the job's outcome, the idempotent submit, back-off settings."""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING, Any

import pytest
from support.calcjob_plugins import ShellJob

from graphflow import CalcInfo, Code, CodeInfo, Computer, Int, Str
from graphflow.calculations.arithmetic import ArithmeticAddCalculation
from graphflow.engine._checkpoint import Checkpoint, dumps, loads
from graphflow.engine._jobs import _retry_settings, _verdict, submit_wrapper
from graphflow.engine._parser import Parser, load_parser_class
from graphflow.errors import ConfigError, PluginError, ValidationError
from graphflow.orm import FolderData
from graphflow.transports import ssh_config_defaults

if TYPE_CHECKING:
    from pathlib import Path

CLUSTER = Computer(
    "cluster",
    hostname="login.example.org",
    transport="ssh",
    scheduler="slurm",
    workdir="/scratch/me",
    mpirun_command="srun -n {tot_num_mpiprocs}",
    mpiprocs_per_machine=4,
    prepend_text="module load x",
)
BASH = Code(label="bash", computer=CLUSTER, executable="/bin/bash")


def job(**options: Any) -> ShellJob:
    inputs: dict[str, Any] = {"code": BASH, "script": Str("true")}
    if options:
        inputs["metadata"] = {"options": options}
    return ShellJob(inputs)


def template(process: ShellJob, *infos: CodeInfo) -> Any:
    return process.job_template(CalcInfo(codes_info=list(infos)), CLUSTER, "/scratch/me/ab/cd/x")


def test_the_command_line_quotes_arguments_and_redirects_streams() -> None:
    info = CodeInfo(BASH, ["a b", "x;y"], stdin_name="in", stdout_name="out", stderr_name="e r")
    made = template(job(), info)
    assert made.command == ("/bin/bash 'a b' 'x;y' < in > out 2> 'e r'",)


def test_mpi_runs_use_the_computers_launcher_and_default_processes() -> None:
    made = template(job(withmpi=True, resources={"num_machines": 2}), CodeInfo(BASH, ["job.sh"]))
    assert made.command == ("srun -n 8 /bin/bash job.sh",)
    assert made.resources.num_mpiprocs_per_machine == 4
    assert made.prepend_text == "module load x"


def test_join_files_sends_stderr_to_stdout() -> None:
    made = template(job(), CodeInfo(BASH, [], stdout_name="log", join_files=True))
    assert made.command == ("/bin/bash > log 2>&1",)


def test_a_code_on_another_computer_is_refused() -> None:
    elsewhere = Code(label="bash", computer="laptop", executable="/bin/bash")
    with pytest.raises(ValidationError, match=r"code bash@laptop is not on computer 'cluster'"):
        template(job(), CodeInfo(elsewhere))


def test_bad_resources_and_options_are_named() -> None:
    with pytest.raises(ValidationError, match=r"metadata\.options\.resources"):
        template(job(resources={"machines": 2}), CodeInfo(BASH))
    with pytest.raises(ValidationError, match="queue_name"):
        template(job(queue_name="a b\nc"), CodeInfo(BASH))


def test_retrieve_names_add_the_scheduler_files_and_the_streams() -> None:
    process = job(additional_retrieve_list=["*.xml"])
    info = CalcInfo(codes_info=[CodeInfo(BASH, stdout_name="out")], retrieve_list=["result.json"])
    assert process.retrieve_names(info) == [
        "result.json",
        "*.xml",
        "_scheduler-stdout.txt",
        "_scheduler-stderr.txt",
        "out",
    ]


def test_a_calcinfo_that_escapes_the_work_directory_is_refused_with_every_problem() -> None:
    info = CalcInfo(
        codes_info=[CodeInfo(BASH, stdout_name="/etc/passwd")],
        retrieve_list=["../secrets"],
        remote_copy_list=[("relative/source", "target")],
    )
    with pytest.raises(ValidationError) as caught:
        info.check("MyJob")
    message = str(caught.value)
    assert "codes_info[0].stdout_name" in message
    assert "retrieve_list[0]" in message
    assert "remote_copy_list[0]: source 'relative/source' must be absolute" in message
    with pytest.raises(ValidationError, match="codes_info is empty"):
        CalcInfo().check("MyJob")


def test_job_progress_round_trips_through_the_checkpoint() -> None:
    progress = {"step": "update", "job_id": "4242", "workdir": "/scratch/me/x", "retrieve": ["a"]}
    text = dumps(Checkpoint("core.arithmetic.add", "waiting", extra={"job": progress}))
    again = ArithmeticAddCalculation({"code": BASH, "x": Int(1), "y": Int(2)})
    again.restore(loads(text), {})
    assert again.job == progress


@pytest.mark.parametrize(
    ("job_state", "label"),
    [
        ({"exit_code": 0}, None),
        ({"exit_code": 3}, "ERROR_JOB_FAILED"),
        ({"exit_code": None, "job_id": "77"}, "ERROR_JOB_LOST"),
        ({"exit_code": 0, "raw_state": "TIMEOUT"}, "ERROR_SCHEDULER_OUT_OF_WALLTIME"),
        ({"exit_code": 137, "raw_state": "OUT_OF_MEMORY"}, "ERROR_SCHEDULER_OUT_OF_MEMORY"),
    ],
)
def test_without_a_parser_the_verdict_comes_from_the_job(
    job_state: dict, label: str | None
) -> None:
    process = job()
    process.job.update(job_state)
    code = _verdict(process)
    if label is None:
        assert code.status == 0
    else:
        assert code.label == label
    if label == "ERROR_JOB_LOST":
        assert "job 77" in code.message


def test_parsers_load_by_entry_point_or_import_name() -> None:
    assert load_parser_class("core.arithmetic.add").__name__ == "ArithmeticAddParser"
    assert load_parser_class("support.calcjob_plugins:BuggyParser").__name__ == "BuggyParser"
    with pytest.raises(PluginError, match=r"no entry point 'core\.nope'"):
        load_parser_class("core.nope")
    with pytest.raises(PluginError, match="not a Parser"):
        load_parser_class("support.calcjob_plugins:ShellJob")
    with pytest.raises(PluginError, match="cannot load parser"):
        load_parser_class("support.calcjob_plugins:Missing")
    assert issubclass(load_parser_class("core.python.json"), Parser)


def test_a_parser_that_returns_nonsense_is_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    class Weird(Parser):
        def parse(self, **kwargs: Any) -> Any:
            return "fine"

    process = job(parser_name="x:y")
    process._outputs["retrieved"] = FolderData()
    monkeypatch.setattr("graphflow.engine._jobs.load_parser_class", lambda name: Weird)
    with pytest.raises(Exception, match="returned str; a parser returns None or an ExitCode"):
        _verdict(process)


def _sh(command: str, cwd: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", "-c", command], cwd=cwd, capture_output=True, text=True)


def test_a_repeated_submit_replays_the_first_one_instead_of_submitting_again(tmp_path) -> None:
    submit = submit_wrapper("echo submitted >> count; echo 'Submitted batch job 7'")
    first, second = _sh(submit, tmp_path), _sh(submit, tmp_path)
    assert first.stdout == second.stdout == "Submitted batch job 7\n"
    assert (tmp_path / "count").read_text() == "submitted\n"


def test_a_rejected_submit_keeps_its_words_and_status_until_the_record_is_removed(tmp_path) -> None:
    submit = submit_wrapper("echo 'sbatch: error: invalid partition' >&2; exit 1")
    first, second = _sh(submit, tmp_path), _sh(submit, tmp_path)
    assert first.returncode == second.returncode == 1
    assert second.stderr == "sbatch: error: invalid partition\n"
    (tmp_path / ".graphflow_submit.rc").unlink()
    fixed = submit_wrapper("echo 'Submitted batch job 8'")
    assert _sh(fixed, tmp_path).stdout == "Submitted batch job 8\n"


def test_back_off_settings_per_task_override_the_profiles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphflow import config

    # a home of its own: the first profile of a home becomes its default, and the
    # session's home must keep "default" as the one the integration tests use
    monkeypatch.setenv("GRAPHFLOW_HOME", str(tmp_path))
    config.setup_profile("retry-settings")
    assert _retry_settings("retry-settings", "submit").interval == 20.0
    config.update_profile(
        "retry-settings",
        options={
            "transport_retry_interval": 2,
            "transport_max_attempts": 4,
            "transport_retry_interval.submit": 30,
        },
    )
    submit, upload = (
        _retry_settings("retry-settings", "submit"),
        _retry_settings("retry-settings", "upload"),
    )
    assert (submit.interval, submit.attempts) == (30.0, 4)
    assert (upload.interval, upload.attempts) == (2.0, 4)
    with pytest.raises(ConfigError, match=r"unknown option 'transport_retry_interval\.parse'"):
        config.update_profile("retry-settings", options={"transport_retry_interval.parse": 1})


def test_a_computer_names_every_problem_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        Computer("bad label", hostname="", transport="ftp", scheduler="lsf", workdir="rel")
    message = str(caught.value)
    for part in ("label 'bad label'", "hostname is empty", "transport 'ftp'", "scheduler 'lsf'"):
        assert part in message
    assert "workdir 'rel' must be absolute" in message
    assert (
        Computer("ok", hostname="h", transport="ssh", scheduler="sge").effective_safe_interval == 5
    )


def test_ssh_config_gives_defaults_for_a_host(tmp_path) -> None:
    path = tmp_path / "config"
    path.write_text(
        "Host cluster\n  User alice\n  Port 2222\n  IdentityFile ~/.ssh/id_cluster\n"
        "Host *\n  User nobody\n"
    )
    assert ssh_config_defaults("cluster", str(path)) == {
        "username": "alice",
        "port": 2222,
        "key_file": "~/.ssh/id_cluster",
    }
    assert ssh_config_defaults("other", str(path)) == {"username": "nobody"}
    assert ssh_config_defaults("cluster", str(tmp_path / "missing")) == {}


def _scheduler_answers(retval: int, stdout: str, stderr: str = ""):  # type: ignore[no-untyped-def]
    from graphflow.transports import CommandResult

    async def handler(command: str, workdir: str | None, stdin: bytes) -> CommandResult:
        assert command.startswith("sacct -c"), command
        return CommandResult(retval, stdout, stderr)

    return handler


@pytest.mark.parametrize(
    ("retval", "stdout", "stderr", "expected"),
    [
        (0, "4242|TIMEOUT|0:15\n", "", 143),  # killed by a signal: 128 + 15
        (0, "4242|FAILED|7:0\n", "", 7),
        (0, "", "", None),  # no record of the job
        (1, "", "sacct: error: slurm_persist_conn_open_without_init", None),  # unreadable
    ],
)
def test_a_job_without_an_exit_code_file_asks_the_schedulers_record(
    retval: int, stdout: str, stderr: str, expected: int | None
) -> None:
    import asyncio

    from graphflow.engine._jobs import _scheduler_exit_code
    from graphflow.transports._fake import FakeComputer

    computer = Computer("c", hostname="h", transport="local", scheduler="slurm", workdir="/w")
    fake = FakeComputer(handler=_scheduler_answers(retval, stdout, stderr))

    async def ask() -> int | None:
        transport = fake.transport()
        await transport.open()
        try:
            return await _scheduler_exit_code(transport, computer, "4242")
        finally:
            await transport.close()

    assert asyncio.run(ask()) == expected
    assert fake.commands == ["sacct -c -X -n -P -o jobid,state,exitcode --jobs=4242"]


def test_a_transport_task_pauses_the_job_after_its_tries_on_a_fake_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The README's bound: 5 tries pausing 20 s doubling, so the job pauses at 300 s."""
    import asyncio
    from types import SimpleNamespace

    from graphflow.clock import FakeClock
    from graphflow.engine._jobs import JobDriver, _PauseJobError
    from graphflow.errors import TransportError

    monkeypatch.setenv("GRAPHFLOW_HOME", "/nonexistent/graphflow-home")  # defaults apply
    clock = FakeClock()
    runner = SimpleNamespace(backend=SimpleNamespace(profile=SimpleNamespace(name="none")))
    driver = JobDriver(runner, clock=clock)  # type: ignore[arg-type]
    reports: list[str] = []
    monkeypatch.setattr(driver, "_report", lambda _handle, message, *_: reports.append(message))
    handle = SimpleNamespace(process=SimpleNamespace(code=SimpleNamespace(computer_label="c")))
    tries: list[float] = []

    async def refused() -> None:
        tries.append(clock.now())
        raise TransportError("connecting to c failed: Connection refused")

    retrying = driver._retrying(handle, "upload", refused, interruptible=False)  # type: ignore[arg-type]
    with pytest.raises(_PauseJobError, match="upload failed 5 times, last: TransportError"):
        asyncio.run(clock.drive(retrying))
    assert tries == [0.0, 20.0, 60.0, 140.0, 300.0]
    assert reports[0].startswith("upload failed (attempt 1 of 5)")
    assert len(reports) == 4
