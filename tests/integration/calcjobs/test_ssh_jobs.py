"""Calculation jobs over the real sshd on the real SLURM and Grid Engine (and the direct
scheduler), and everything that goes wrong on the way: an unreachable host, a wrong key,
a work directory that cannot be created, a scheduler that rejects the script. Each such
job backs off, pauses with the reason in its report, and finishes once the cause is fixed
and it is played; none excepts."""

from __future__ import annotations

import subprocess

import pytest
from support.calcjob_plugins import ShellJob

import graphflow as gf
from graphflow import CalculationFactory, Int, Str
from graphflow.types import ProcessState

from ..transports._services import load_services
from ._drive import (
    MAX_ATTEMPTS,
    bash_on,
    kill,
    launch,
    play,
    reports,
    ssh_computer,
    wait_for,
    wait_paused,
    wait_terminated,
)

pytestmark = [pytest.mark.usefixtures("backend"), pytest.mark.requires_ssh]

Add = CalculationFactory("core.arithmetic.add")


@pytest.mark.parametrize(
    ("scheduler", "service"),
    [("direct", "ssh"), ("slurm", "slurm"), ("sge", "sge")],
)
def test_add_over_ssh(scheduler: str, service: str) -> None:
    env = load_services("ssh", service)
    code = bash_on(ssh_computer(env, scheduler))

    result, node = gf.run_get_node(Add, code=code, x=Int(20), y=Int(22))

    assert node.is_finished_ok, reports(node)
    assert result["sum"].value == 42
    assert node.job_exit_code == 0
    assert node.remote_workdir.startswith("/home/")
    assert node.job_host is None  # any host can reach it over SSH
    assert "output.txt" in result["retrieved"].list_object_names()


def test_an_unreachable_host_pauses_the_job_until_it_is_fixed_and_played(services):
    computer = ssh_computer(services, "direct", safe_interval=0.1, port=1)
    handle = launch(Add, code=bash_on(computer), x=Int(1), y=Int(2))

    wait_paused(handle)
    log = reports(handle.node)
    assert log.count("upload failed (attempt") == MAX_ATTEMPTS - 1
    assert f"upload failed {MAX_ATTEMPTS} times" in log
    assert "connection refused" in log
    assert f"graphflow process play {handle.node.pk}" in log
    assert handle.node.process_state is ProcessState.WAITING

    computer.configure(port=int(services["SSH_PORT"]))
    play(handle)
    node = wait_terminated(handle)
    assert node.is_finished_ok
    assert node.outputs["sum"].value == 3


def test_a_wrong_key_pauses_the_job_with_the_servers_refusal(services, tmp_path):
    other_key = tmp_path / "id_other"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other_key)], check=True
    )
    computer = ssh_computer(services, "direct", safe_interval=0.1, key_file=str(other_key))
    handle = launch(Add, code=bash_on(computer), x=Int(1), y=Int(2))

    wait_paused(handle)
    assert "ermission denied" in reports(handle.node)

    kill(handle)
    assert wait_terminated(handle).process_state is ProcessState.KILLED


def test_a_work_directory_that_cannot_be_created_pauses_the_job(services):
    computer = ssh_computer(services, "direct", safe_interval=0.1)
    computer = (
        gf.Computer(
            computer.label + "-ro",
            hostname=computer.hostname,
            transport="ssh",
            scheduler="direct",
            workdir="/root/not-yours",
            safe_interval=0.1,
        )
        .store()
        .configure(**computer.transport_settings)
    )
    handle = launch(Add, code=bash_on(computer), x=Int(1), y=Int(2))

    wait_paused(handle)
    log = reports(handle.node)
    assert "/root/not-yours" in log
    assert "ermission denied" in log
    kill(handle)
    wait_terminated(handle)


def test_a_script_the_scheduler_rejects_pauses_at_once_with_its_words():
    env = load_services("ssh", "slurm")
    code = bash_on(ssh_computer(env, "slurm"))
    handle = launch(
        Add, code=code, x=Int(1), y=Int(2), metadata={"options": {"queue_name": "nosuchpartition"}}
    )

    wait_paused(handle)
    log = reports(handle.node)
    assert "the scheduler rejected the job" in log
    assert "invalid partition" in log.lower()
    assert "submit failed (attempt" not in log  # not retried: retrying cannot help
    kill(handle)
    assert wait_terminated(handle).process_state is ProcessState.KILLED


def test_kill_cancels_the_slurm_job():
    env = load_services("ssh", "slurm")
    code = bash_on(ssh_computer(env, "slurm"))
    handle = launch(ShellJob, code=code, script=Str("sleep 120"))
    wait_for(lambda: handle.node.scheduler_state == "running", "the SLURM job running")
    job_id = handle.node.job_id

    kill(handle)
    node = wait_terminated(handle)

    assert node.process_state is ProcessState.KILLED
    assert f"asked the scheduler to end job {job_id}" in reports(node)
    squeue = subprocess.run(
        ["squeue", "--noheader", "--states=PD,R,CG", "--jobs", job_id, "--Format=State"],
        capture_output=True,
        text=True,
        env={"SLURM_CONF": env["SLURM_CONF"], "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert "RUNNING" not in squeue.stdout
    assert "PENDING" not in squeue.stdout
