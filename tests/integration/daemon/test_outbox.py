"""Submit never loses a task (issue 21): a submitter that dies after storing a process
and before publishing its task leaves an outbox mark, and the daemon queues the task by
itself; a task that was published has its mark cleared."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

import pytest
from support.daemon_workflows import Ticker, wait_terminated

import graphflow as gf
from graphflow.broker import RabbitMQCommunicator

from .conftest import running_daemon

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.usefixtures("backend")


def _marks(uuids: list[str]) -> list[Any]:
    rows = gf.cypher("MATCH (p:Process) WHERE p.uuid IN $u RETURN p.unpublished AS mark", u=uuids)
    return [row["mark"] for row in rows]


def test_a_task_its_submitter_never_published_is_queued_by_the_daemon(
    graphflow_home: Path, amqp_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_daemon(graphflow_home, amqp_url, workers=1, outbox_grace=2):
        published = [gf.submit(Ticker, ticks=gf.Int(1)) for _ in range(3)]

        async def dies_here(self: RabbitMQCommunicator, task: Any) -> None:
            # what a SIGKILL here leaves behind: the process stored, its task never sent
            raise RuntimeError("the submitter was killed between store and publish")

        with monkeypatch.context() as patched:
            patched.setattr(RabbitMQCommunicator, "publish_task", dies_here)
            with pytest.raises(RuntimeError, match="killed between"):
                gf.submit(Ticker, ticks=gf.Int(2))
        # (the others' marks may still wait the second their clears are gathered for)
        (stranded,) = gf.cypher(
            "MATCH (p:WorkChain {process_label: 'Ticker'}) WHERE p.unpublished = true "
            "AND NOT p.uuid IN $published RETURN p.uuid AS uuid",
            published=[node.uuid for node in published],
        )
        finished = wait_terminated([*published, gf.load_node(stranded["uuid"])], timeout=120)
        assert all(node.is_finished_ok for node in finished)
        uuids = [node.uuid for node in finished]
        deadline = time.monotonic() + 15  # clears are gathered a second before commit
        while _marks(uuids) != [None] * 4:  # every mark cleared, the stranded one too
            assert time.monotonic() < deadline, _marks(uuids)
            time.sleep(0.2)


@pytest.mark.arcadedb_only  # waits on the embedded store's write lock
def test_a_script_that_exits_while_its_last_write_waits_for_a_turn_still_lands_it(
    graphflow_home: Path, amqp_url: str
) -> None:
    """The clears of the outbox marks are gathered for a second, so a script that submits
    and exits commits them on its way out. Busy workers hold the write turns then; waiting
    for one takes a thread, and the interpreter's exit had already shut its thread pools:
    the commit failed ('cannot schedule new futures after shutdown') and every mark stayed."""
    import fcntl
    import threading

    from graphflow.orm import embedded_server, load_profile

    with running_daemon(graphflow_home, amqp_url, workers=1) as daemon:
        code = (
            "import sys\n"
            "import graphflow as gf\n"
            "from support.daemon_workflows import Ticker\n"
            "nodes = gf.submit_many(Ticker, [{'ticks': gf.Int(1)}] * 5)\n"
            "print(' '.join(n.uuid for n in nodes), flush=True)\n"
            "sys.stdin.readline()  # exits once the test holds the write lock\n"
        )
        child = subprocess.Popen(
            [sys.executable, "-c", code],
            env=daemon.env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdin is not None
        uuids = child.stdout.readline().split()
        lock_path = embedded_server(load_profile(daemon.profile)).directory / "write.lock"
        with open(lock_path, "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # every writer now waits for a turn
            threading.Timer(2.0, fcntl.flock, (lock, fcntl.LOCK_UN)).start()
            child.stdin.write("\n")
            child.stdin.flush()
            _, stderr = child.communicate(timeout=120)
        assert child.returncode == 0, stderr
        assert "deferred write failed" not in stderr, stderr
        assert len(uuids) == 5
        assert _marks(uuids) == [None] * 5
