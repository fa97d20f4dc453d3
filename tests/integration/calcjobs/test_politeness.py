"""100 jobs submitted at once to one SLURM computer through the real sshd: the connections
sshd accepted from us fit the safe interval, and SLURM's own RPC statistics (``sdiag``)
show one job-status query per poll, not one per job."""

from __future__ import annotations

import asyncio
import math
import re
import subprocess
import time

import pytest

from graphflow import CalculationFactory, Int, _loop
from graphflow.engine import get_runner

from ..transports._services import connections_from, load_services
from ._drive import bash_on, launch, ssh_computer, wait_terminated

pytestmark = [pytest.mark.usefixtures("backend"), pytest.mark.requires_slurm]

JOBS = 100
SAFE_INTERVAL = 2.0
POLL_INTERVAL = 1.0


def job_info_queries(env: dict[str, str]) -> int:
    """How many job-status requests slurmctld has answered (squeue's RPCs), all users."""
    out = subprocess.run(
        ["sdiag"],
        capture_output=True,
        text=True,
        check=True,
        env={"SLURM_CONF": env["SLURM_CONF"], "PATH": "/usr/bin:/bin"},
    ).stdout
    return sum(int(n) for n in re.findall(r"REQUEST_JOB_INFO\w*\s+\(\s*\d+\)\s+count:(\d+)", out))


def test_a_hundred_jobs_share_connections_and_status_queries() -> None:
    env = load_services("ssh", "slurm")
    computer = ssh_computer(env, "slurm", safe_interval=SAFE_INTERVAL, poll_interval=POLL_INTERVAL)
    code = bash_on(computer)
    address = str(computer.transport_settings["bind_address"])
    add = CalculationFactory("core.arithmetic.add")
    queries_before = job_info_queries(env)
    start = time.monotonic()

    handles = [launch(add, code=code, x=Int(i), y=Int(1)) for i in range(JOBS)]
    nodes = [wait_terminated(handle, timeout=600) for handle in handles]

    elapsed = time.monotonic() - start
    assert all(node.is_finished_ok for node in nodes), [n.exit_message for n in nodes]
    assert sorted(node.outputs["sum"].value for node in nodes) == list(range(1, JOBS + 1))

    connections = _loop.call(connections_from(env, address))
    assert 1 <= connections <= math.floor(elapsed / SAFE_INTERVAL) + 1, (connections, elapsed)

    queries = job_info_queries(env) - queries_before
    allowed = math.floor(elapsed / POLL_INTERVAL) + 1
    stats = _loop.call(_statistics())
    polls = stats["polls"][computer.label]
    assert polls <= allowed, (polls, elapsed)
    # what the scheduler saw, all users included: at least our polls (so sdiag was read)
    assert polls <= queries <= allowed, (polls, queries, elapsed)
    jobs_polled = stats["jobs_polled"][computer.label]
    assert jobs_polled >= JOBS  # every job was in some poll...
    assert jobs_polled / polls > 5  # ...with many others: one query served many jobs
    print(
        f"\n{JOBS} jobs in {elapsed:.1f} s: {connections} connections, {polls} polls for "
        f"{jobs_polled} job updates ({queries} job queries seen by slurmctld)"
    )


async def _statistics() -> dict:
    await asyncio.sleep(0)
    return (await get_runner()).jobs.statistics()
