"""Calculation jobs on this machine: the built-in plugins, failures named by exit codes,
bugs that except, a job the scheduler forgets, kill, and the provenance they leave."""

from __future__ import annotations

import io
import os
import signal
import socket
import textwrap
from pathlib import Path
from typing import Any

import pytest
from support.calcjob_plugins import BuggyPrepareJob, ForgivesFailures, SeesTheVerdict, ShellJob

import graphflow as gf
from graphflow import CalculationFactory, Dict, Float, Int, SinglefileData, Str
from graphflow.errors import PortValidationError
from graphflow.orm import CalcJobNode, FolderData, RemoteData
from graphflow.types import ProcessState

from ._drive import kill, launch, reports, wait_for, wait_terminated

pytestmark = pytest.mark.usefixtures("backend")

Add = CalculationFactory("core.arithmetic.add")
PythonJson = CalculationFactory("core.python.json")


def test_add_runs_through_every_task_and_leaves_complete_provenance(local_bash, local_computer):
    result, node = gf.run_get_node(Add, code=local_bash, x=Int(2), y=Int(40))

    assert node.is_finished_ok
    assert result["sum"].value == 42
    assert isinstance(result["sum"], Int)
    assert isinstance(result["remote_folder"], RemoteData)
    assert result["remote_folder"].remote_path == node.remote_workdir
    assert node.remote_workdir.startswith(local_computer.workdir)
    assert node.job_host == socket.gethostname()  # its folder and process are this host's
    assert "output.txt" in result["retrieved"].list_object_names()
    assert (node.computer_label, node.scheduler_state, node.job_exit_code) == (
        local_computer.label,
        "done",
        0,
    )
    assert node.job_id.isdigit()
    assert node.checkpoint is None
    rows = gf.cypher(
        "MATCH (d)-[l:INPUT]->(c:CalcJob {uuid: $uuid}) "
        "RETURN l.label AS label, labels(d) AS kinds",
        uuid=node.uuid,
    )
    assert {r["label"] for r in rows} == {"code", "x", "y"}
    assert any("Code" in r["kinds"] for r in rows)
    rows = gf.cypher(
        "MATCH (c:CalcJob {uuid: $uuid})-[l:CREATE]->(d:Data) RETURN l.label AS label",
        uuid=node.uuid,
    )
    assert {r["label"] for r in rows} == {"remote_folder", "retrieved", "sum"}
    assert "submitted job" in reports(node)


def test_add_of_floats_gives_a_float_even_when_whole(local_bash):
    result = gf.run(Add, code=local_bash, x=Float(0.5), y=Int(2))
    assert isinstance(result["sum"], Float)
    assert result["sum"].value == 2.5
    result = gf.run(Add, code=local_bash, x=Float(1.0), y=Float(2.0))
    assert isinstance(result["sum"], Float)
    assert result["sum"].value == 3.0


PROGRAM = textwrap.dedent(
    """\
    import json, sys
    params = json.load(open(sys.argv[1]))
    if params.get("fail"):
        print("starting", file=sys.stderr)
        raise SystemExit("the input asked me to fail")
    if not params.get("silent"):
        sigma, eps = params["sigma"], params["epsilon"]
        energies = [4 * eps * ((sigma / r) ** 12 - (sigma / r) ** 6) for r in params["r"]]
        json.dump({"energies": energies, "minimum": min(energies)}, open("output.json", "w"))
    """
)


@pytest.fixture
def python_code(local_computer):
    import sys

    return gf.Code(label="python", computer=local_computer, executable=sys.executable).store()


@pytest.fixture
def program(tmp_path: Path) -> SinglefileData:
    path = tmp_path / "lj.py"
    path.write_text(PROGRAM)
    return SinglefileData(path)


def test_python_program_reads_its_input_file_and_its_output_is_parsed(python_code, program):
    parameters = Dict({"sigma": 1.0, "epsilon": 1.0, "r": [1.0, 2 ** (1 / 6), 1.5]})
    result, node = gf.run_get_node(
        PythonJson, code=python_code, script=program, parameters=parameters
    )

    assert node.is_finished_ok
    energies = result["results"].get_dict()["energies"]
    assert energies[0] == pytest.approx(0.0)
    assert energies[1] == pytest.approx(-1.0)
    assert result["results"].get_dict()["minimum"] == pytest.approx(-1.0)
    assert {"output.json", "stdout.txt", "stderr.txt"} <= set(
        result["retrieved"].list_object_names()
    )


def test_a_failing_program_gets_a_named_exit_code_with_its_last_words(python_code, program):
    _, node = gf.run_get_node(
        PythonJson, code=python_code, script=program, parameters=Dict({"fail": True})
    )

    assert node.is_finished
    assert not node.is_finished_ok
    assert node.exit_status == PythonJson.exit_codes.ERROR_PROGRAM_FAILED.status
    assert "the input asked me to fail" in node.exit_message
    assert node.job_exit_code == 1


def test_a_missing_output_file_is_the_parsers_call(python_code, program):
    _, node = gf.run_get_node(
        PythonJson, code=python_code, script=program, parameters=Dict({"silent": True})
    )

    assert node.exit_status == PythonJson.exit_codes.ERROR_OUTPUT_MISSING.status
    assert "retrieved" in node.outputs  # what was there is kept for the user to look at


def test_without_a_parser_the_jobs_exit_status_decides(local_bash):
    _, ok = gf.run_get_node(ShellJob, code=local_bash, script=Str("echo fine"))
    _, failed = gf.run_get_node(ShellJob, code=local_bash, script=Str("echo no >&2; exit 3"))

    assert ok.is_finished_ok
    assert failed.exit_status == ShellJob.exit_codes.ERROR_JOB_FAILED.status
    assert failed.exit_message == "the job's command exited with status 3"
    assert failed.job_exit_code == 3


def test_a_job_the_scheduler_forgets_without_an_exit_code_is_reported_lost(local_bash):
    handle = launch(ShellJob, code=local_bash, script=Str("sleep 60"))
    wait_for(lambda: handle.node.scheduler_state == "running", "the job running")

    os.killpg(int(handle.node.job_id), signal.SIGKILL)  # killed outside graphflow
    node = wait_terminated(handle)

    assert node.exit_status == ShellJob.exit_codes.ERROR_JOB_LOST.status
    assert f"job {node.job_id}" in node.exit_message
    assert node.job_exit_code is None


def test_kill_cancels_the_scheduler_job(local_bash, tmp_path):
    marker = tmp_path / "still-running"
    script = f"sleep 60; touch {marker}"
    handle = launch(ShellJob, code=local_bash, script=Str(script))
    wait_for(lambda: handle.node.scheduler_state == "running", "the job running")
    pid = int(handle.node.job_id)

    kill(handle)
    node = wait_terminated(handle)

    assert node.process_state is ProcessState.KILLED
    assert node.exit_message == "killed by the test"
    wait_for(lambda: not _alive(pid), f"job {pid} ending")
    assert f"asked the scheduler to end job {pid}" in reports(node)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_a_bug_in_prepare_for_submission_excepts_the_job(local_bash):
    handle = launch(BuggyPrepareJob, code=local_bash, script=Str("true"))
    node = wait_terminated(handle)

    assert node.process_state is ProcessState.EXCEPTED
    assert "ZeroDivisionError: a bug in prepare_for_submission" in node.exit_message
    assert "Traceback" in reports(node)


def test_a_bug_in_the_parser_excepts_the_job(local_bash):
    handle = launch(
        ShellJob,
        code=local_bash,
        script=Str("true"),
        metadata={"options": {"parser_name": "support.calcjob_plugins:BuggyParser"}},
    )
    node = wait_terminated(handle)

    assert node.process_state is ProcessState.EXCEPTED
    assert "a bug in the parser" in node.exit_message
    assert isinstance(node.outputs["retrieved"], FolderData)  # the files are kept


def test_bad_inputs_are_refused_before_anything_runs(local_bash):
    with pytest.raises(gf.GraphflowError, match=r"(?s)code.*required"):
        Add({"x": Int(1), "y": Int(2)})
    with pytest.raises(gf.GraphflowError, match="no computer labelled 'nowhere'"):
        gf.load_computer("nowhere")
    with pytest.raises(gf.GraphflowError, match="no code labelled 'nothing'"):
        gf.load_code("nothing")
    with pytest.raises(gf.GraphflowError, match="num_machines"):
        gf.run(
            Add,
            code=local_bash,
            x=Int(1),
            y=Int(2),
            metadata={"options": {"resources": {"num_machines": 2}}},
        )


def _node_count() -> int:
    return int(gf.cypher("MATCH (n:Node) RETURN count(n) AS n")[0]["n"])


def test_options_the_scheduler_cannot_honour_are_refused_before_anything_is_stored(
    local_bash,
):
    """As AiiDA validates options with the inputs: nothing is stored, and each problem is
    reported at the option's own dotted port path, with the process, the computer and its
    scheduler named (it failed only after upload before)."""
    before = _node_count()
    x = Int(1)
    with pytest.raises(PortValidationError) as caught:
        gf.run(
            Add,
            code=local_bash,
            x=x,
            y=Int(2),
            metadata={"options": {"qos": "high", "queue_name": "short"}},
        )
    assert isinstance(caught.value, ValueError)
    assert sorted(caught.value.paths) == ["metadata.options.qos", "metadata.options.queue_name"]
    message = str(caught.value)
    assert message.startswith("ArithmeticAddCalculation:")
    assert f"on computer {local_bash.computer_label!r} (core.direct)" in message
    assert "qos='high'" in message
    assert "queue_name='short'" in message
    assert _node_count() == before
    assert not x.is_stored


@pytest.mark.parametrize(
    ("resources", "path", "rule"),
    [
        ({"num_machines": 2}, "metadata.options.resources.num_machines", "num_machines=2"),
        ({"num_machines": 0}, "metadata.options.resources", "num_machines"),
        ({"num_machines": "one"}, "metadata.options.resources", "num_machines"),
        ({"num_machines": 1, "num_cpus": 4}, "metadata.options.resources", "num_cpus"),
    ],
    ids=["two-machines-on-direct", "zero", "not-an-int", "unknown-key"],
)
def test_bad_resources_are_refused_at_their_path_before_anything_is_stored(
    local_bash, resources: dict[str, Any], path: str, rule: str
):
    before = _node_count()
    with pytest.raises(PortValidationError) as caught:
        gf.run(
            Add, code=local_bash, x=Int(1), y=Int(2), metadata={"options": {"resources": resources}}
        )
    assert caught.value.paths == [path]
    assert rule in str(caught.value)
    assert str(caught.value).startswith("ArithmeticAddCalculation:")
    assert _node_count() == before


def test_the_readme_job_runs_on_a_local_direct_computer_with_a_wall_clock_limit(local_bash):
    """The README's snippet, on this machine: the direct scheduler accepts
    max_wallclock_seconds, as AiiDA's does."""
    result = gf.run(
        Add,
        code=local_bash,
        x=Int(1),
        y=Int(2),
        metadata={"options": {"resources": {"num_machines": 1}, "max_wallclock_seconds": 60}},
    )
    assert result["sum"].value == 3


def test_a_job_past_its_wall_clock_limit_finishes_on_direct_as_in_aiida(local_bash):
    """AiiDA's core.direct does not enforce max_wallclock_seconds, so a job that runs
    longer finishes as it would there: same outputs, same exit status."""
    result, node = gf.run_get_node(
        ShellJob,
        code=local_bash,
        script=Str("sleep 3; echo done"),
        metadata={"options": {"max_wallclock_seconds": 1}},
    )
    assert node.process_state is ProcessState.FINISHED
    assert node.exit_status == 0
    assert result["retrieved"].get_object_content("out.txt") == "done\n"


def test_the_job_is_a_calcjob_node_with_its_own_labels(local_bash):
    _, node = gf.run_get_node(Add, code=local_bash, x=Int(1), y=Int(1))
    assert isinstance(node, CalcJobNode)
    rows = gf.cypher(
        "MATCH (c:Node:Process:Calculation:CalcJob {uuid: $u}) RETURN c.job_id AS id", u=node.uuid
    )
    assert rows == [{"id": node.job_id}]


@pytest.fixture
def tiny_tmp(tmp_path):
    """A 1 MiB tmpfs as the runner's temporary folder (where retrieved files land first)."""
    import subprocess
    import tempfile

    mount = tmp_path / "tiny"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=True)
    previous = tempfile.tempdir
    tempfile.tempdir = str(mount)
    try:
        yield mount
    finally:
        tempfile.tempdir = previous
        subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_full_disk_while_retrieving_pauses_the_job_and_play_finishes_it(local_bash, tiny_tmp):
    import tempfile

    from ._drive import play, wait_paused

    script = "head -c 3000000 /dev/zero > big.bin; echo done"
    handle = launch(
        ShellJob,
        code=local_bash,
        script=Str(script),
        metadata={"options": {"additional_retrieve_list": ["big.bin"]}},
    )
    wait_paused(handle)
    log = reports(handle.node)
    assert "retrieve failed" in log
    assert "No space left on device" in log or "no space left" in log.lower()
    assert handle.node.process_state is ProcessState.WAITING

    tempfile.tempdir = None  # the user frees space
    play(handle)
    node = wait_terminated(handle)
    assert node.is_finished_ok
    assert node.outputs["retrieved"].get_object_content("big.bin", "rb") == b"\0" * 3_000_000


def test_a_failed_command_fails_the_job_even_with_a_parser_unless_the_parser_decides(
    local_bash,
):
    # as in AiiDA: the scheduler's and the command's verdict come first, the parser sees
    # it on the node, and only an exit code the parser returns overrides it
    def failing_with(parser: type) -> CalcJobNode:
        options = {"parser_name": f"{parser.__module__}:{parser.__name__}"}
        _, node = gf.run_get_node(
            ShellJob, code=local_bash, script=Str("exit 3"), metadata={"options": options}
        )
        return node

    SeesTheVerdict.seen.clear()
    node = failing_with(SeesTheVerdict)
    assert node.process_state is ProcessState.FINISHED
    assert node.exit_status == 130
    assert "status 3" in node.exit_message
    assert SeesTheVerdict.seen == [(130, node.exit_message)]

    forgiven = failing_with(ForgivesFailures)
    assert forgiven.is_finished_ok
    assert forgiven.exit_message is None


def test_a_restart_work_chain_reruns_a_failing_job_and_cleans_its_folders(python_code):
    """examples/restart_calcjob.py's Relax on this machine: the job fails until a handler
    raised its input; clean_workdir removes every job's remote folder at the end."""
    import importlib.util

    path = Path(__file__).resolve().parents[3] / "examples" / "restart_calcjob.py"
    spec = importlib.util.spec_from_file_location("restart_calcjob_example", path)
    assert spec is not None
    assert spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    program = SinglefileData(io.BytesIO(example.PROGRAM.encode()), filename="relax.py")
    job = {"code": python_code, "script": program, "parameters": Dict({"max_steps": 15})}
    result, node = gf.run_get_node(example.Relax, job=job, clean_workdir=gf.Bool(True))
    assert node.is_finished_ok, node.exit_message
    assert result["results"]["energy"] == -1.25
    jobs = node.called
    assert [j.exit_status for j in jobs] == [300, 300, 0]
    assert [j.inputs["parameters"]["max_steps"] for j in jobs] == [15, 30, 60]
    for finished in jobs:
        assert not Path(finished.outputs["remote_folder"].remote_path).exists()
    assert "cleaned remote folders of calculations" in reports(node)
