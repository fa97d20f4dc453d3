"""Statements users abandon (Ctrl-C, a time limit) run on in the embedded store until its
command timeout: they must not take every query slot from graphflow itself (found by a
new user: four cancelled shell queries locked every command out for two minutes)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.arcadedb_only

GRAPHFLOW = str(Path(sys.executable).parent / "graphflow")

SCRIPT = textwrap.dedent(
    """\
    import time
    import graphflow as gf
    from graphflow import _loop
    from graphflow.errors import QueryTimeoutError
    from graphflow.orm import get_backend

    SLOW = "UNWIND range(1, 5000000) AS i UNWIND range(1, 5000000) AS j RETURN count(*) AS c"

    async def abandon(store):
        try:
            await store.run_readonly(SLOW, {}, time_limit=0.5)
        except QueryTimeoutError:
            return
        raise SystemExit("the slow statement ended on its own")

    store = _loop.call(get_backend()).store
    for _ in range(6):  # more than ArcadeDB's default slots on this machine (4)
        _loop.call(abandon(store))
    started = time.perf_counter()
    node = gf.Int(7).store()
    rows = gf.cypher("MATCH (n:Int {pk: $pk}) RETURN n.value AS v", pk=node.pk)
    print(f"{time.perf_counter() - started:.1f}", rows[0]["v"])
    """
)


def test_abandoned_statements_leave_graphflow_room_to_work(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPHFLOW_")}
    env["GRAPHFLOW_HOME"] = str(tmp_path / "home")
    (tmp_path / "busy.py").write_text(SCRIPT)
    try:
        subprocess.run(
            [GRAPHFLOW, "profile", "set", "default", "store_command_timeout", "20"],
            env=env, check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, str(tmp_path / "busy.py")],
            env=env, capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        seconds, value = done.stdout.split()
        assert value == "7"
        # the store and the read went through beside six running statements, long before
        # those ended (20 s after they began)
        assert float(seconds) < 10, done.stdout
        assert time.monotonic() - began < 120
    finally:
        subprocess.run([GRAPHFLOW, "store", "stop"], env=env, capture_output=True, timeout=120)
