"""`:ps`, `:pause`, `:play` and `:kill` in the real shell, on a process whose interpreter
died mid-run (so the shell controls it through the store, as `graphflow process` does)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .conftest import Shell

CRASHING = """
import os, signal, time
import graphflow as gf

class Crashing(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.first, cls.second)

    def first(self):
        print(self.node.pk, flush=True)

    def second(self):
        time.sleep(1)  # the first step's commit is durable by now
        os.kill(os.getpid(), signal.SIGKILL)

gf.run(Crashing)
"""


def crashed_process() -> int:
    result = subprocess.run(
        [sys.executable, "-c", CRASHING],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert result.returncode == -9, result.stderr
    return int(result.stdout.split()[0])


def test_process_commands_list_pause_play_and_kill(shell: type[Shell]) -> None:
    pk = crashed_process()
    session = shell()
    out = session.run(":ps", until=r"\d+ process(es)? \(not terminated")
    row = next(line for line in out.splitlines() if line.strip().startswith(f"{pk} "))
    assert "Crashing" in row, out
    assert "running" in row, out
    out = session.run(f":pause {pk}", until="pause: ")
    assert "not running anywhere" in out, out
    out = session.run(":ps --state running", until=r"\d+ process(es)?\b")
    assert "(paused)" in out, out
    session.run(f":play {pk}", until="play: ")
    out = session.run(":ps --state running", until=r"\d+ process(es)?\b")
    assert "(paused)" not in out, out
    out = session.run(f":kill {pk}", until="kill: ")
    assert "not running anywhere" in out, out
    out = session.run(":ps -a --limit 500", until=r"\d+ process(es)?\b")
    row = next(line for line in out.splitlines() if line.strip().startswith(f"{pk} "))
    assert "killed" in row, row
    session.run(":kill 987654321", until="no node with pk 987654321")
    session.close()
