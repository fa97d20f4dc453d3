"""SIGKILL a work chain (with children and calcfunctions) at each step in turn, resume it
with ``graphflow process resume``, and compare with an undisturbed run: the same outputs,
the same provenance, no step's nodes written twice, no step skipped."""

from __future__ import annotations

import datetime
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from support.provenance import fingerprint

import graphflow as gf

HERE = Path(__file__).resolve().parent
pytestmark = pytest.mark.usefixtures("backend")


def env(graphflow_home: Path, kill_at: str | None) -> dict[str, str]:
    variables = {
        **os.environ,
        "GRAPHFLOW_HOME": str(graphflow_home),
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    variables.pop("GRAPHFLOW_TEST_KILL_AT", None)
    if kill_at:
        variables["GRAPHFLOW_TEST_KILL_AT"] = kill_at
    return variables


def launch(graphflow_home: Path, kill_at: str | None) -> tuple[str, int]:
    result = subprocess.run(
        [sys.executable, str(HERE / "crashy.py"), "3"],
        env=env(graphflow_home, kill_at),
        capture_output=True,
        text=True,
        timeout=180,
    )
    uuid = result.stdout.split()[0]
    return uuid, result.returncode


def resume(graphflow_home: Path, uuid: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "graphflow"
    return subprocess.run(
        [str(exe), "process", "resume", uuid],
        env=env(graphflow_home, None),
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def undisturbed(graphflow_home: Path) -> list[tuple]:
    uuid, code = launch(graphflow_home, None)
    assert code == 0
    return fingerprint(uuid)


KILL_POINTS = [
    "setup:1",
    "setup:1:0.3",
    "launch:1",
    "launch:2:0.3",
    "child_compute:1",
    "child_compute:2:0.3",
    "double:3",
    "child_emit:1:0.3",
    "accumulate:1",
    "add:2:0.3",
    "accumulate:3",
    "finalize:1",
    "finalize:1:0.3",
]


@pytest.mark.parametrize("kill_at", KILL_POINTS)
def test_resume_gives_the_undisturbed_result(
    graphflow_home: Path, undisturbed, kill_at: str
) -> None:
    started = datetime.datetime.now(datetime.UTC)
    uuid, code = launch(graphflow_home, kill_at)
    assert code == -signal.SIGKILL, f"the run was not killed at {kill_at}"
    existing = gf.cypher("MATCH (p:Process {uuid: $u}) RETURN p.process_state AS s", u=uuid)
    if not existing:
        # killed before its first commit landed (the run's first milliseconds): the work
        # chain never existed durably, so there is nothing to resume and nothing partial
        assert not kill_at.endswith(":0.3"), "a commit that had time to land was lost"
        return
    assert existing[0]["s"] in ("created", "running", "waiting")
    result = resume(graphflow_home, uuid)
    assert result.returncode == 0, result.stderr
    node = gf.load_node(uuid)
    assert node.is_finished_ok
    assert node.outputs.total.value == 2 * (1 + 2 + 3)
    assert fingerprint(uuid) == undisturbed
    # nothing of the killed interpreter's half-done steps lingers outside the tree
    orphans = gf.cypher(
        """
        MATCH (c:CalcFunction)
        WHERE c.process_state IN ['created', 'running'] AND c.ctime >= $started
        RETURN count(c) AS n
        """,
        started=started,
    )
    assert orphans[0]["n"] == 0


def test_resume_refuses_a_process_another_runner_took_over(graphflow_home: Path) -> None:
    """Two resumers read the same crashed process; the one that claims it second is
    refused (compare-and-set on its owner). One owned by a live interpreter is refused."""
    from graphflow import _loop, control
    from graphflow.engine import get_runner
    from graphflow.engine._owner import this_owner
    from graphflow.errors import ProcessStateError

    uuid, code = launch(graphflow_home, "accumulate:1:0.3")
    assert code == -signal.SIGKILL
    stale = gf.load_node(uuid)  # what both resumers read: the dead interpreter owns it
    assert stale.process_state.value in ("running", "waiting")

    # the other resumer's claim lands first
    assert _loop.call(_claim(uuid, stale.owner, "elsewhere:1:1"))

    async def resume_stale():  # type: ignore[no-untyped-def]
        return await (await get_runner()).resume(stale)

    with pytest.raises(ProcessStateError, match="taken over by another runner"):
        _loop.call(resume_stale())
    assert gf.load_node(uuid).owner == "elsewhere:1:1"  # and nothing of ours was written

    # owned by an interpreter alive on this host (this one, pretending): refused
    assert _loop.call(_claim(uuid, "elsewhere:1:1", this_owner()))
    with pytest.raises(ProcessStateError, match="still running"):
        control.resume(uuid)

    # leave nothing half-run behind: a dead owner's process is killed through the store
    dead = f"{socket.gethostname()}:1:not-its-start-time"  # pid 1 never started then
    assert _loop.call(_claim(uuid, this_owner(), dead))
    (killed,) = control.kill(uuid)
    assert killed.done, killed.message


async def _claim(uuid: str, previous: str | None, owner: str) -> bool:
    from graphflow.orm import get_backend
    from graphflow.store import query

    backend = await get_backend()
    rows = await backend.store.write(
        query("engine.claim_process"), uuid=uuid, previous=previous, owner=owner
    )
    return bool(rows)
