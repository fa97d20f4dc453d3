"""The embedded ArcadeDB server: shared by processes, durable, restarted when it died.

Each test uses its own GRAPHFLOW_HOME, so it starts and stops its own server, as a new
user's first command would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.arcadedb_only  # the embedded server itself

SNIPPET_START = """
import json, sys
from graphflow import _loop
from graphflow.orm import get_backend, load_profile
backend = _loop.call(get_backend(load_profile()))
info = backend.server.read_info()
print(json.dumps({"pid": info.pid, "uri": info.uri}))
"""


def run_python(home: Path, code: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRAPHFLOW_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout
    )


def stop_store(home: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "graphflow.cli", "store", "stop"],
        env={**os.environ, "GRAPHFLOW_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def last_line_printed(home: Path, code: str) -> str:
    """Run ``code`` in a fresh interpreter on ``home``, which must succeed, then stop the
    store it left running; the last line it printed."""
    try:
        result = run_python(home, code)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]
    finally:
        stop_store(home)


def server_pids(home: Path) -> list[int]:
    args_file = home / "profiles" / "default" / "store" / "server.args"
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().decode(errors="replace")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if f"@{args_file}" in cmd and state != "Z":
                pids.append(int(entry.name))
    return pids


def test_two_processes_starting_at_once_share_one_server(tmp_path: Path) -> None:
    env = {**os.environ, "GRAPHFLOW_HOME": str(tmp_path)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SNIPPET_START],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        outputs = [p.communicate(timeout=180) for p in procs]
        for proc, (_out, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, err
        infos = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
        assert infos[0] == infos[1]
        assert server_pids(tmp_path) == [infos[0]["pid"]]
    finally:
        stop_store(tmp_path)
    assert server_pids(tmp_path) == []


def test_committed_write_survives_sigkill_and_restart(tmp_path: Path) -> None:
    write = run_python(
        tmp_path,
        "import graphflow as gf\nn = gf.Int(42, label='durable').store()\nprint(n.uuid)\n",
    )
    assert write.returncode == 0, write.stderr
    uuid = write.stdout.strip().splitlines()[-1]
    try:
        (pid,) = server_pids(tmp_path)
        os.kill(pid, signal.SIGKILL)  # right after the write returned
        deadline = time.monotonic() + 10
        while server_pids(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server_pids(tmp_path) == []
        read = run_python(
            tmp_path,
            f"import graphflow as gf\nn = gf.load_node({uuid!r})\nprint(n.value, n.label)\n",
        )
        assert read.returncode == 0, read.stderr
        assert read.stdout.strip().splitlines()[-1] == "42 durable"
        (new_pid,) = server_pids(tmp_path)
        assert new_pid != pid
    finally:
        stop_store(tmp_path)


def test_server_that_died_is_restarted_by_a_running_interpreter(tmp_path: Path) -> None:
    code = """
import os, signal, time
import graphflow as gf
first = gf.Int(1).store()
info = gf.orm.get_backend  # noqa
from graphflow import _loop
from graphflow.orm import get_backend
backend = _loop.call(get_backend())
os.kill(backend.server.read_info().pid, signal.SIGKILL)
time.sleep(0.5)
second = gf.Int(2).store()          # the writer finds the server gone and restarts it
print(gf.load_node(first.pk).value, gf.load_node(second.pk).value)
"""
    assert last_line_printed(tmp_path, code) == "1 2"


def test_reads_from_synchronous_code_restart_a_server_that_died(tmp_path: Path) -> None:
    """A synchronous read finds its kept connection dead with the server, and the store
    restarts the server and reads again."""
    code = """
import os, signal, time
import graphflow as gf
from graphflow import _loop, lineage
from graphflow.orm import get_backend
result = gf.Int(2).store()
assert gf.load_node(result.pk).value == 2   # a read in this thread: its connection is kept
backend = _loop.call(get_backend())
os.kill(backend.server.read_info().pid, signal.SIGKILL)
time.sleep(0.5)
print(gf.load_node(result.pk).value, lineage.ancestors(result))
"""
    assert last_line_printed(tmp_path, code) == "2 []"


def test_server_output_goes_to_its_log_not_the_terminal(tmp_path: Path) -> None:
    result = run_python(tmp_path, "import graphflow as gf; print(gf.Int(5).store().pk)")
    try:
        assert result.returncode == 0, result.stderr
        assert "ArcadeDB" not in result.stdout + result.stderr
        log = (tmp_path / "profiles" / "default" / "store" / "server.log").read_text()
        assert "ArcadeDB Server started" in log
    finally:
        stop_store(tmp_path)


def test_password_is_private_and_not_on_the_command_line(tmp_path: Path) -> None:
    result = run_python(tmp_path, "import graphflow as gf; gf.Int(5).store()")
    try:
        assert result.returncode == 0, result.stderr
        store_dir = tmp_path / "profiles" / "default" / "store"
        password = (store_dir / "password").read_text().strip()
        assert oct(os.stat(store_dir / "password").st_mode & 0o777) == "0o600"
        assert oct(os.stat(store_dir / "server.args").st_mode & 0o777) == "0o600"
        (pid,) = server_pids(tmp_path)
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode()
        assert password not in cmdline
        assert password not in (store_dir / "server.log").read_text()
    finally:
        stop_store(tmp_path)


def test_corrupted_password_file_gives_a_clear_error(tmp_path: Path) -> None:
    first = run_python(tmp_path, "import graphflow as gf; gf.Int(5).store()")
    assert first.returncode == 0, first.stderr
    try:
        password_file = tmp_path / "profiles" / "default" / "store" / "password"
        password_file.write_bytes(b"\x00\xff garbage")
        result = run_python(tmp_path, "import graphflow as gf; gf.Int(6).store()")
        assert result.returncode != 0
        assert "ConfigError" in result.stderr
        assert str(password_file) in result.stderr
        assert "corrupted" in result.stderr
    finally:
        password_file.write_text("irrelevant\n")
        stop_store(tmp_path)


@pytest.mark.parametrize("uri", ["bolt://127.0.0.1:1", "neo4j://127.0.0.1:1"])
def test_unreachable_store_names_uri_and_reason(tmp_path: Path, uri: str) -> None:
    secret = tmp_path / "pw"
    secret.write_text("pw\n")
    code = f"""
from pathlib import Path
from graphflow import config
config.setup_profile("remote", store_uri={uri!r}, user="neo4j",
                     password_file=Path({str(secret)!r}), set_default=True)
import graphflow as gf
gf.Int(1).store()
"""
    result = run_python(tmp_path, code)
    assert result.returncode != 0
    assert "StoreUnavailableError" in result.stderr
    assert uri in result.stderr
    assert "refused" in result.stderr.lower()
