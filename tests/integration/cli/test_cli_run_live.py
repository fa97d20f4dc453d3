"""`graphflow run FILE` on a terminal draws the processes it runs as a live call tree
(tmux gives it a real one); with its output redirected it prints only the script's."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("backend")

GRAPHFLOW = str(Path(sys.executable).parent / "graphflow")
SCRIPT = """
import time
import graphflow as gf


class Nap(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("s", valid_type=gf.Float)
        spec.outline(cls.nap)

    def nap(self):
        time.sleep(self.inputs.s.value)


class Naps(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.launch, cls.done)

    def launch(self):
        for s in (1.0, 2.0, 3.0):
            self.to_context(naps=gf.append_(self.submit(Nap, s=gf.Float(s))))

    def done(self):
        print("all naps done")


if __name__ == "__main__":
    print("starting")
    gf.run(Naps)
    print("finished")
"""


def test_on_a_terminal_the_tree_is_drawn_live_below_the_output(tmp_path: Path) -> None:
    script = tmp_path / "naps.py"
    script.write_text(SCRIPT)
    socket = f"gfrun-{uuid.uuid4().hex[:8]}"
    env = " ".join(
        shlex.quote(f"{k}={os.environ[k]}") for k in ("GRAPHFLOW_HOME", "PATH") if k in os.environ
    )
    run = f"{shlex.quote(GRAPHFLOW)} run {shlex.quote(str(script))}"
    command = f"env {env} {run}; echo RUN-ENDED $?; sleep 120"
    tmux = ["tmux", "-L", socket]
    subprocess.run([*tmux, "new-session", "-d", "-x", "150", "-y", "40", command], check=True)
    screens: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            screen = subprocess.run(
                [*tmux, "capture-pane", "-p"], capture_output=True, text=True, check=True
            ).stdout
            screens.append(screen)
            if "RUN-ENDED" in screen:
                break
            time.sleep(0.3)
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    final = screens[-1]
    assert "RUN-ENDED 0" in final, final
    assert "starting" in final
    assert "all naps done" in final
    assert re.search(r"Naps <\d+> finished \d+\.\d s", final), final
    assert len(re.findall(r"Nap <\d+> finished", final)) == 3, final
    assert any(re.search(r"Naps <\d+> (running|waiting)", s) for s in screens), "never live"
    assert final.count("Naps <") == 1  # redrawn in place, not appended


def test_with_output_redirected_only_the_script_prints(tmp_path: Path) -> None:
    script = tmp_path / "naps.py"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [GRAPHFLOW, "run", str(script)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["starting", "all naps done", "finished"]
    assert "Naps <" not in done.stderr
