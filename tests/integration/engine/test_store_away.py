"""A store that stays away past the deadline, for real: the process is left at its last
checkpoint, never excepted, and ``graphflow process resume`` finishes it once the store
is back.

The script's profile reaches the session's Neo4j through a relay that the test cuts (every
connection, and the port), as a network or a server that goes away does; its deadlines
are shortened so that the test does not wait ten minutes. (The embedded ArcadeDB is
restarted by graphflow itself when it dies: being away past a deadline is a remote
store's failure, so this test runs on the Neo4j pass.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from support.daemon_workflows import wait_until
from support.network import Forwarder
from support.stores import profile_store_options

import graphflow as gf
from graphflow import config

pytestmark = [pytest.mark.neo4j_only, pytest.mark.usefixtures("backend")]

GRAPHFLOW = str(Path(sys.executable).parent / "graphflow")

SCRIPT = """
import sys, time

import graphflow as gf
import graphflow.store._client as client
import graphflow.store._writer as writer

# the deadlines of a store call (60 s) and of a group commit (600 s), shortened
client.STORE_DEADLINE = 4.0
writer.GroupCommitWriter.__init__.__kwdefaults__["retry_budget"] = 8.0


class AwayTicks(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.output("count", valid_type=gf.Int)
        spec.outline(cls.start, gf.while_(cls.more)(cls.tick), cls.done)

    def start(self):
        self.ctx.i = 0
        print("pk", self.node.pk, flush=True)

    def more(self):
        return self.ctx.i < 40

    def tick(self):
        time.sleep(0.25)
        self.ctx.i += 1

    def done(self):
        self.out("count", gf.Int(self.ctx.i).store())


if __name__ == "__main__":
    try:
        gf.run(AwayTicks)
    except gf.errors.StoreUnavailableError as exc:
        print("away", exc, flush=True)
        sys.exit(3)
"""


def ticks_durable(proc: subprocess.Popen[str]) -> int:
    """How many ticks of the script's work chain are durable (its checkpoint says)."""
    assert proc.poll() is None, proc.communicate()
    rows = gf.cypher(
        "MATCH (p:Node) WHERE p.process_label = 'AwayTicks' AND p.process_state = 'running' "
        "RETURN p.checkpoint AS checkpoint"
    )
    ticks = [json.loads(row["checkpoint"])["ctx"].get("i", 0) for row in rows]
    return max(ticks, default=0) >= 3 and max(ticks)


def test_a_store_away_past_the_deadline_leaves_the_process_to_resume(tmp_path: Path) -> None:
    options = profile_store_options()
    target = urlparse(options["store_uri"])
    relay = Forwarder("127.0.0.1", (target.hostname or "127.0.0.1", target.port or 7687))
    port = relay.start()
    name = f"away-{uuid.uuid4().hex[:8]}"
    config.setup_profile(name, **{**options, "store_uri": f"bolt://127.0.0.1:{port}"})
    env = {**os.environ, "GRAPHFLOW_PROFILE": name}
    script = tmp_path / "ticks.py"
    script.write_text(textwrap.dedent(SCRIPT))
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        durable = wait_until(lambda: ticks_durable(proc), 120, "three durable ticks")
        relay.stop()  # the store is gone: connections cut, nothing listens
        out, err = proc.communicate(timeout=120)
    finally:
        relay.stop()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, err
    first, said = out.splitlines()
    pk = int(first.removeprefix("pk "))
    assert said.startswith("away "), out
    assert f"'graphflow process resume {pk}' continues it" in said
    assert "Traceback" not in err

    node = gf.load_node(pk)  # the session's own connection to the same store
    assert node.process_state.value == "running", node.exit_message  # not excepted
    assert json.loads(node.checkpoint)["ctx"]["i"] >= durable  # its last durable step

    relay = Forwarder("127.0.0.1", (target.hostname or "127.0.0.1", target.port or 7687), port)
    relay.start()  # the store is back, on the profile's address
    try:
        resumed = subprocess.run(
            [GRAPHFLOW, "process", "resume", str(pk)],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
    finally:
        relay.stop()
    assert resumed.returncode == 0, resumed.stderr
    node = gf.load_node(pk)
    assert node.is_finished_ok, node.exit_message
    assert node.outputs.count.value == 40
