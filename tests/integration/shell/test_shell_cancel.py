"""A statement the user gives up on (Ctrl-C, ``--timeout``) ends on the server too, is
reported as what it was, and is never run a second time.

ArcadeDB's Bolt server has no per-statement cancel: graphflow drops the connection, which
ends the transaction, and the server's command timeout (the profile option
``store_command_timeout``, 120 s by default; 5 s here) bounds the work still running.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import psutil
import pytest

from graphflow import config

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.arcadedb_only  # Neo4j: tests/integration/neo4j

GRAPHFLOW = str(Path(sys.executable).parent / "graphflow")
#: about 9 s of one core on this machine kind; counts nothing, so it streams no rows
SLOW = (
    "UNWIND range(1, 6000) AS a UNWIND range(1, 6000) AS b UNWIND range(1, 30) AS c "
    "RETURN count(*) AS n;"
)
COMMAND_TIMEOUT = 5.0


@pytest.fixture(scope="module")
def profile(graphflow_home: Path, backend: object) -> Iterator[str]:
    # the session's default profile exists first (backend), so it stays the default
    name = f"cancel-{uuid.uuid4().hex[:8]}"
    config.setup_profile(name)
    config.update_profile(name, options={"store_command_timeout": COMMAND_TIMEOUT})
    assert _shell(name, "RETURN 1 AS one;").returncode == 0  # the server is up
    yield name
    subprocess.run([GRAPHFLOW, "-p", name, "store", "stop"], capture_output=True, timeout=60)


def _shell(profile: str, statements: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GRAPHFLOW, "-p", profile, "shell", *args, "-c", statements],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _server(graphflow_home: Path, profile: str) -> psutil.Process:
    info = graphflow_home / "profiles" / profile / "store" / "server.json"
    return psutil.Process(json.loads(info.read_text())["pid"])


def _settles(server: psutil.Process, *, within: float) -> float:
    """Seconds until the server's CPU use falls to idle; fails after ``within``."""
    started = time.monotonic()
    server.cpu_percent()
    while time.monotonic() - started < within:
        if server.cpu_percent(interval=0.5) < 25:
            return time.monotonic() - started
    raise AssertionError(f"the server still computes {within} s after the statement ended")


def _answers_quickly(profile: str) -> None:
    started = time.monotonic()
    done = _shell(profile, "RETURN 'still here' AS state;")
    assert done.returncode == 0, done.stderr
    assert "still here" in done.stdout
    assert time.monotonic() - started < 15


def test_a_statement_past_its_time_limit_is_a_timeout_and_ends_on_the_server(
    graphflow_home: Path, profile: str
) -> None:
    server = _server(graphflow_home, profile)
    started = time.monotonic()
    done = _shell(profile, SLOW, "--timeout", "1")
    elapsed = time.monotonic() - started
    assert done.returncode == 1
    said = " ".join((done.stdout + done.stderr).split())  # the shell wraps long lines
    assert "did not finish within 1 s; graphflow gave it up" in said
    assert "runs on until the store's command timeout (5 s" in said
    assert "cannot reach" not in done.stdout + done.stderr
    assert elapsed < 10  # not retried: one copy, given up after one second
    _settles(server, within=COMMAND_TIMEOUT + 5)
    _answers_quickly(profile)


def test_the_servers_own_time_limit_is_reported_as_a_timeout(profile: str) -> None:
    done = _shell(profile, SLOW, "--timeout", "60")
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "the server stopped the statement at its time limit" in out, out


def test_ctrl_c_ends_the_statement_on_the_server_and_nothing_runs_it_again(
    graphflow_home: Path, profile: str
) -> None:
    server = _server(graphflow_home, profile)
    shell = subprocess.Popen(
        [GRAPHFLOW, "-p", profile, "shell", "-c", SLOW],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        env={**os.environ},
    )
    deadline = time.monotonic() + 30
    while server.cpu_percent(interval=0.2) < 50:  # the statement is running
        assert time.monotonic() < deadline, "the statement never started"
    shell.send_signal(signal.SIGINT)
    out, err = shell.communicate(timeout=30)
    assert shell.returncode == 130, err  # interrupted, as Python and `graphflow run` say it
    assert "cancelled" in out + err
    _settles(server, within=COMMAND_TIMEOUT + 5)
    _answers_quickly(profile)
