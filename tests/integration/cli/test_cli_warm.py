"""The ``graphflow`` command's fast path: a real command server, real clients, real store.

A client that went through the server is told apart from one that ran the command itself
by a probe (``PROBE``) that calls the client's ``run_warm`` and exits with NOT_SERVED
when the server did not take the command; everything else runs the installed console
script or ``python -m graphflow.cli`` as users do.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import psutil
import pytest

import graphflow as gf
from graphflow.cli._warm_client import is_listening, socket_path, stop_server

if TYPE_CHECKING:
    from collections.abc import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "examples"))

from listing08_add_multiply import add_multiply

pytestmark = pytest.mark.usefixtures("backend")

NOT_SERVED = 99
PROBE = (
    "import sys\n"
    "from graphflow.cli._warm_client import run_warm\n"
    "code = run_warm(sys.argv[1:])\n"
    f"sys.exit({NOT_SERVED} if code is None else code)\n"
)
GRAPHFLOW = Path(sys.executable).parent / "graphflow"


def run(
    argv: list[str], env: dict[str, str], *, probe: bool = False, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", PROBE] if probe else [str(GRAPHFLOW)]
    return subprocess.run(
        [*command, *argv], capture_output=True, text=True, timeout=120, env=env, cwd=cwd
    )


def start_server(env: dict[str, str]) -> Path:
    """Start the server a first command would start, and wait until it listens."""
    subprocess.Popen(
        [sys.executable, "-m", "graphflow.cli._warm_server", str(server_socket(env))],
        env=env,
        start_new_session=True,
    )
    return wait_for_server(env)


def wait_for_server(env: dict[str, str], timeout: float = 60.0) -> Path:
    """The socket of the server a first command started, once it accepts connections."""
    path = server_socket(env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_listening(path):
            return path
        time.sleep(0.1)
    log = path.with_suffix(".log")
    raise AssertionError(f"no command server on {path}: {log.read_text() if log.exists() else ''}")


def server_socket(env: dict[str, str]) -> Path:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        path = socket_path()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert path is not None, "the test home's socket path is too long"
    return path


def stop_servers(home: Path) -> None:
    for path in (home / "run").glob("*.sock"):
        stop_server(path)


@pytest.fixture
def served(graphflow_home: Path) -> Iterator[dict[str, str]]:
    """An environment in which served commands go to a running command server."""
    env = {**os.environ, "GRAPHFLOW_CLI_SERVER": "1"}
    start_server(env)
    yield env
    stop_servers(graphflow_home)


@pytest.fixture(scope="module")
def listing8() -> tuple[int, int]:
    """The paper's listing 8: (pk of the workflow, pk of its result)."""
    result, node = gf.run_get_node(add_multiply, x=gf.Int(1), y=gf.Int(2), z=gf.Int(3))
    return node.pk, result.pk


def test_the_console_script_starts_a_server_and_the_next_command_uses_it(
    graphflow_home: Path, listing8: tuple[int, int]
) -> None:
    env = {**os.environ, "GRAPHFLOW_CLI_SERVER": "1"}
    stop_servers(graphflow_home)
    _workflow, result = listing8
    first = run(["node", "show", str(result)], env)
    assert first.returncode == 0, first.stderr
    assert f"Int {result}" in first.stdout
    try:
        wait_for_server(env)
        again = run(["node", "show", str(result)], env, probe=True)
        assert (again.returncode, again.stdout, again.stderr) == (0, first.stdout, first.stderr)
    finally:
        stop_servers(graphflow_home)


@pytest.mark.parametrize(
    "command",
    [
        ["node", "show", "{result}"],
        ["node", "show", "99999999"],
        ["node", "graph", "{result}", "--format", "dot", "-o", "-"],
        ["node", "graph", "{result}", "--ancestor-depth", "-1"],
        ["export", "prov", "{workflow}", "--format", "provn"],
        ["process", "show", "{workflow}"],
        ["process", "report", "{workflow}"],
        ["process", "status", "{workflow}"],
        ["process", "list", "-a", "-l", "1"],
        ["-p", "no-such-profile", "node", "show", "{result}"],
    ],
    ids=lambda command: " ".join(command),
)
def test_a_served_command_says_and_exits_as_it_does_without_the_server(
    served: dict[str, str], listing8: tuple[int, int], command: list[str]
) -> None:
    workflow, result = listing8
    argv = [word.format(workflow=workflow, result=result) for word in command]
    alone = subprocess.run(
        [sys.executable, "-m", "graphflow.cli", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**served, "GRAPHFLOW_CLI_SERVER": "0"},
    )
    through_server = run(argv, served, probe=True)
    assert through_server.returncode != NOT_SERVED, through_server.stderr
    assert through_server.returncode == alone.returncode, through_server.stderr
    assert through_server.stdout == alone.stdout
    assert through_server.stderr == alone.stderr


def test_status_says_whether_quick_commands_are_served(served: dict[str, str]) -> None:
    def status(env: dict[str, str]) -> str:
        done = run(["status"], env | {"COLUMNS": "300"})
        assert done.returncode == 0, done.stderr
        return " ".join(done.stdout.split())

    path = server_socket(served)
    assert f"command server running on {path}" in status(served)
    assert "command server off (GRAPHFLOW_CLI_SERVER=0)" in status(
        {**served, "GRAPHFLOW_CLI_SERVER": "0"}
    )
    stop_server(path)
    assert "command server not running (the next quick command starts it)" in status(served)


def test_files_land_in_the_clients_directory_under_its_environment(
    served: dict[str, str], listing8: tuple[int, int], tmp_path: Path
) -> None:
    _workflow, result = listing8
    drawn = run(["node", "graph", str(result), "--format", "svg", "-o", "g.svg"], served,
                probe=True, cwd=tmp_path)  # fmt: skip
    assert drawn.returncode == 0, drawn.stderr
    assert "<svg" in (tmp_path / "g.svg").read_text()
    elsewhere = run(["node", "show", str(result)], {**served, "GRAPHFLOW_PROFILE": "elsewhere"},
                    probe=True)  # fmt: skip
    assert elsewhere.returncode == 1
    assert "elsewhere" in elsewhere.stderr


def test_commands_at_once_each_get_their_own_child(
    served: dict[str, str], listing8: tuple[int, int]
) -> None:
    _workflow, result = listing8
    probes = [
        subprocess.Popen(
            [sys.executable, "-c", PROBE, "node", "show", str(result)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=served,
        )
        for _ in range(4)
    ]
    for probe in probes:
        out, err = probe.communicate(timeout=120)
        assert probe.returncode == 0, err
        assert f"Int {result}" in out


def test_changed_code_retires_the_server(tmp_path: Path, graphflow_home: Path) -> None:
    """A server imported what was on disk when it started: an install on its path (the
    directory's mtime changes) makes it hand the command back, exit, and a new server
    take its place."""
    extra = tmp_path / "site"
    extra.mkdir()
    env = {**os.environ, "GRAPHFLOW_CLI_SERVER": "1", "PYTHONPATH": str(extra)}
    try:
        path = start_server(env)
        (old,) = _servers(path)
        (extra / "newly_installed.py").write_text("")
        stale = run(["node", "show", "1"], env, probe=True)
        assert stale.returncode == NOT_SERVED, stale.stderr
        old.wait(timeout=30)  # raises if the stale server kept running
        wait_for_server(env)
        served = run(["node", "show", "1"], env, probe=True)
        assert served.returncode != NOT_SERVED, served.stderr
        assert [server.pid for server in _servers(path)] != [old.pid]
    finally:
        stop_servers(graphflow_home)


def test_an_idle_server_exits(tmp_path: Path) -> None:
    home = Path(tempfile.mkdtemp(prefix="gfw-"))  # short: socket paths are limited
    try:
        path = home / "run" / "cli-test.sock"
        server = subprocess.Popen(
            [sys.executable, "-m", "graphflow.cli._warm_server", str(path), "0.5"],
            stderr=subprocess.PIPE,
            text=True,
        )
        _out, err = server.communicate(timeout=120)
        assert server.returncode == 0, err
        assert not path.exists()
    finally:
        shutil.rmtree(home)


def test_a_second_server_leaves_the_socket_to_the_first(served: dict[str, str]) -> None:
    path = server_socket(served)
    (first,) = _servers(path)
    second = subprocess.run(
        [sys.executable, "-m", "graphflow.cli._warm_server", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=served,
    )
    assert second.returncode == 0, second.stderr
    assert _servers(path) == [first]
    assert run(["node", "show", "1"], served, probe=True).returncode != NOT_SERVED


def test_ctrl_c_reaches_the_command_the_server_runs() -> None:
    """A store that accepts connections and never answers keeps the command waiting; the
    client passes SIGINT on, and the command stops as click stops it when run here."""
    home = Path(tempfile.mkdtemp(prefix="gfw-"))  # short: socket paths are limited
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    env = {**os.environ, "GRAPHFLOW_HOME": str(home), "GRAPHFLOW_CLI_SERVER": "0"}
    password = home / "pw"
    password.write_text("secret\n")
    try:
        setup = run(
            ["profile", "setup", "silent", "--store", f"bolt://127.0.0.1:{port}", "--user",
             "neo4j", "--password-file", str(password), "--broker", "", "-n"],
            env,
        )  # fmt: skip
        assert "cannot reach the graph store" in setup.stderr  # nothing listens yet
        silent.listen(16)  # now connections are accepted and never answered
        env["GRAPHFLOW_CLI_SERVER"] = "1"
        path = start_server(env)
        client = subprocess.Popen(
            [sys.executable, "-c", PROBE, "-p", "silent", "process", "list"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        _wait_for_a_child_of_the_server(path)
        time.sleep(0.5)  # the client installs its forwarding once the child said its pid
        client.send_signal(signal.SIGINT)
        _out, err = client.communicate(timeout=30)
        assert client.returncode == 1, err
        assert err.strip() == "Aborted."  # not the probe's own KeyboardInterrupt traceback
        _wait_for_a_child_of_the_server(path, present=False)
    finally:
        silent.close()
        stop_servers(home)
        shutil.rmtree(home)


def _servers(path: Path) -> list[psutil.Process]:
    return [
        process
        for process in psutil.process_iter(["cmdline"])
        if str(path) in (process.info["cmdline"] or [])
    ]


def _wait_for_a_child_of_the_server(path: Path, *, present: bool = True) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(server.children() for server in _servers(path)) == present:
            return
        time.sleep(0.05)
    raise AssertionError(
        f"the server's child for the command {'never came' if present else 'stayed'}"
    )
