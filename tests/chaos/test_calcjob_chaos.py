"""20 calculation jobs in flight on a 2-worker daemon when the cluster goes away: the login
node's sshd is cut (listener and connections), or the SLURM controller is killed. Every
job backs off, then pauses (none excepts); once the service is back, ``graphflow process
play --all`` and every job finishes ok with its complete provenance."""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.calcjob_plugins import ShellJob
from support.daemon import DaemonFixture
from support.sshd import PrivateSshd

import graphflow as gf
from graphflow.errors import NotExistentError
from graphflow.orm import CalcJobNode, FolderData, RemoteData

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

pytestmark = [pytest.mark.requires_rabbitmq, pytest.mark.usefixtures("backend")]

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent
COUNT = 20
DEADLINE = 180.0


@pytest.fixture(scope="module")
def daemon(graphflow_home: Path) -> Iterator[DaemonFixture]:
    from integration.daemon.conftest import _amqp_url, leave_profile, use_profile_with_broker

    url = _amqp_url()
    name = use_profile_with_broker(
        graphflow_home,
        url,
        broker_hold_ttl=5,
        broker_hold_renew=2,
        transport_retry_interval=0.5,
        transport_max_attempts=3,
    )
    fixture = DaemonFixture(graphflow_home, name, url, [TESTS])
    fixture.start(2)
    try:
        yield fixture
    finally:
        fixture.stop()
        leave_profile(name)


@pytest.fixture
def slurm_left_usable() -> Iterator[None]:
    """Whatever the test did to the cluster, later tests find it empty and taking jobs: a
    failure here must not leave a drained node that stalls every SLURM test after it."""
    yield
    env = services_env("slurm")
    slurm = {"SLURM_CONF": env["SLURM_CONF"], "PATH": "/usr/bin:/bin"}
    subprocess.run(["scancel", "--full", "--user", env["SSH_USER"]], env=slurm, check=False)
    state = subprocess.run(
        ["sinfo", "-h", "-N", "-o", "%t"], env=slurm, capture_output=True, text=True, check=False
    ).stdout.strip()
    if state.startswith(("drain", "drng", "down", "fail")):
        subprocess.run(
            ["scontrol", "update", "NodeName=localhost", "State=RESUME"], env=slurm, check=True
        )


def services_env(*needed: str) -> dict[str, str]:
    from integration.transports._services import load_services

    return load_services(*needed)


def wait_all(uuids: list[str], what: str, ready: Callable[[CalcJobNode], bool]) -> None:
    deadline = time.monotonic() + DEADLINE
    while True:
        nodes = []
        for uuid in uuids:
            try:
                nodes.append(gf.load_node(uuid))
            except NotExistentError:
                continue
        if len(nodes) == len(uuids) and all(ready(node) for node in nodes):
            return
        if time.monotonic() > deadline:
            states = sorted(
                f"{n.pk}:{n.process_state.value}{'(paused)' if n.paused else ''}" for n in nodes
            )
            pytest.fail(f"not all {len(uuids)} jobs {what} within {DEADLINE} s: {states}")
        time.sleep(0.2)


def submit_jobs(code: gf.Code, seconds: int) -> list[str]:
    script = f"sleep {seconds}; echo $(( {{i}} * 2 ))"
    return [
        gf.submit(ShellJob, code=code, script=gf.Str(script.format(i=i))).uuid for i in range(COUNT)
    ]


def check_finished_with_provenance(uuids: list[str]) -> None:
    wait_all(uuids, "finished", lambda node: node.is_terminated)
    for index, uuid in enumerate(uuids):
        node = gf.load_node(uuid)
        assert node.is_finished_ok, (node.pk, node.process_state, node.exit_message)
        assert isinstance(node.outputs["remote_folder"], RemoteData)
        retrieved = node.outputs["retrieved"]
        assert isinstance(retrieved, FolderData)
        assert retrieved.get_object_content("out.txt") == f"{index * 2}\n"
        links = gf.cypher(
            "MATCH (c:CalcJob {uuid: $uuid})-[l:CREATE]->() RETURN count(l) AS n", uuid=uuid
        )
        assert links == [{"n": 2}]


def test_cutting_sshd_pauses_the_jobs_and_play_finishes_them(daemon: DaemonFixture) -> None:
    sshd = PrivateSshd(services_env("ssh"))
    sshd.start()
    try:
        computer = gf.Computer(
            f"cut-{os.getpid()}",
            hostname="127.0.0.1",
            transport="ssh",
            scheduler="direct",
            workdir="~/graphflow-tests/chaos",
            safe_interval=0.2,
            poll_interval=0.5,
        ).store()
        computer.configure(**sshd.settings())
        code = gf.Code(label="bash", computer=computer, executable="/bin/bash").store()
        uuids = submit_jobs(code, seconds=4)
        wait_all(uuids, "submitted", lambda node: node.job_id is not None)

        sshd.cut()
        wait_all(uuids, "paused", lambda node: node.paused)
        for uuid in uuids:
            node = gf.load_node(uuid)
            assert node.process_state.value == "waiting"
            assert "the job is paused" in _report(node)

        sshd.start()
        played = daemon.cli("process", "play", "--all")
        assert played.returncode == 0, played.stdout + played.stderr
        check_finished_with_provenance(uuids)
    finally:
        sshd.cut()


@pytest.mark.requires_slurm
@pytest.mark.usefixtures("slurm_left_usable")
def test_killing_the_slurm_controller_pauses_the_jobs_and_play_finishes_them(
    daemon: DaemonFixture,
) -> None:
    env = services_env("ssh", "slurm")
    computer = gf.Computer(
        f"ctld-{os.getpid()}",
        hostname=env["SSH_HOST"],
        transport="ssh",
        scheduler="slurm",
        workdir="~/graphflow-tests/chaos",
        safe_interval=0.2,
        poll_interval=0.5,
    ).store()
    computer.configure(
        username=env["SSH_USER"],
        port=int(env["SSH_PORT"]),
        key_file=env["SSH_KEY_FILE"],
        known_hosts=env["SSH_KNOWN_HOSTS"],
        ssh_config=False,
    )
    code = gf.Code(label="bash", computer=computer, executable="/bin/bash").store()
    # The jobs outlast the seconds between their start and the kill: a job that ends after
    # the controller's last save and before its death is lost by SLURM itself (restarted,
    # it holds the node for a job that has already ended, and nothing else runs).
    uuids = submit_jobs(code, seconds=12)
    wait_all(uuids, "submitted", lambda node: node.job_id is not None)
    submitted = time.time()
    # Kill it once it has saved the jobs, as a controller that has run for a while has:
    # one killed within its first save interval forgets them, and the node, which runs
    # them, is then drained for "Duplicate jobid" when the ids are handed out again.
    wait_for_saved_jobs(Path(env["SLURM_CONF"]).parent / "state" / "job_state", since=submitted)

    os.kill(int(env["SLURMCTLD_PID"]), 9)
    try:
        wait_all(uuids, "paused", lambda node: node.paused or node.is_terminated)
        # the node runs two jobs at a time: most are still queued when the controller dies
        paused = [uuid for uuid in uuids if gf.load_node(uuid).paused]
        assert len(paused) >= COUNT // 2, f"only {len(paused)} of {COUNT} jobs were in flight"
    finally:
        subprocess.run(
            ["bash", str(ROOT / "scripts/services/services.sh"), "start", "slurm"],
            check=True,
            capture_output=True,
            timeout=120,
        )
    # A job whose launch the dead controller interrupted comes back held ("launch failed
    # requeued held"), and the node may come back drained, possibly some seconds after the
    # controller: an administrator releases and resumes them, as one does here meanwhile.
    with slurm_administrator(env, [gf.load_node(u).job_id for u in uuids]):
        played = daemon.cli("process", "play", "--all")
        assert played.returncode == 0, played.stdout + played.stderr
        check_finished_with_provenance(uuids)


@contextlib.contextmanager
def slurm_administrator(env: dict[str, str], job_ids: list[str]) -> Iterator[None]:
    """Every second, release ``job_ids`` if held and resume the node if drained."""
    slurm = {"SLURM_CONF": env["SLURM_CONF"], "PATH": "/usr/bin:/bin"}
    done = threading.Event()

    def administer() -> None:
        while not done.wait(1.0):
            subprocess.run(
                ["scontrol", "release", ",".join(job_ids)], env=slurm, capture_output=True
            )
            subprocess.run(
                ["scontrol", "update", "NodeName=localhost", "State=RESUME"],
                env=slurm,
                capture_output=True,  # refused (and harmless) unless the node is drained
            )

    thread = threading.Thread(target=administer, name="slurm-administrator", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def wait_for_saved_jobs(state_file: Path, since: float) -> None:
    deadline = time.monotonic() + 30
    while not (state_file.exists() and state_file.stat().st_mtime > since):
        if time.monotonic() > deadline:
            pytest.fail(f"slurmctld did not save its job state to {state_file} within 30 s")
        time.sleep(0.2)


def _report(node: object) -> str:
    from graphflow import _loop
    from graphflow.engine import alogs
    from graphflow.orm import get_backend

    async def load() -> str:
        return "\n".join(r.message for r in await alogs(await get_backend(), node))  # type: ignore[arg-type]

    return _loop.call(load())
