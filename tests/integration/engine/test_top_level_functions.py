"""A top-level process function is driven by the runner like any process, with its body
in the caller's thread: it shows as running once it outlasts the grace, records the
interpreter that runs it, stops at Ctrl-C at once, and a ``sys.exit()`` in its body
neither hangs the caller nor stops the engine."""

from __future__ import annotations

import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest
from support.ctrl_c import interrupt_once_started

import graphflow as gf
from graphflow import control
from graphflow.engine._owner import owner_alive, this_owner
from graphflow.engine._runner import GRACE
from graphflow.errors import ProcessError

pytestmark = pytest.mark.usefixtures("backend")

GRAPHFLOW = str(Path(sys.executable).parent / "graphflow")


def _state_of(label: str) -> dict[str, object] | None:
    rows = gf.cypher(
        "MATCH (c:CalcFunction {label: $label}) RETURN c.process_state AS state, c.owner AS owner",
        label=label,
    )
    return rows[0] if rows else None


def test_a_long_function_shows_as_running_and_owned_by_this_interpreter() -> None:
    release = threading.Event()
    threads: list[threading.Thread] = []
    label = f"long-{uuid.uuid4().hex[:8]}"

    @gf.calcfunction
    def slow(x):
        threads.append(threading.current_thread())
        assert release.wait(60), "the test never released the body"
        return x + 1

    seen: list[dict[str, object] | None] = []

    def watch() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            state = _state_of(label)
            if state is not None:
                seen.append(state)
                break
            time.sleep(0.05)
        release.set()

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    result = slow(gf.Int(1), metadata={"label": label})
    watcher.join()
    assert result.value == 2
    assert threads == [threading.main_thread()]  # the body ran in the caller's thread
    assert seen, "the running function was never visible in the store"
    assert seen[0]["state"] == "running"
    assert seen[0]["owner"] == this_owner()
    assert owner_alive(str(seen[0]["owner"])) is True  # so `process repair` leaves it alone
    assert time.monotonic() - started >= GRACE
    final = _state_of(label)
    assert final is not None
    assert final["state"] == "finished"


def test_a_quick_function_is_written_whole_when_it_returns() -> None:
    label = f"quick-{uuid.uuid4().hex[:8]}"

    @gf.calcfunction
    def quick(x):
        assert _state_of(label) is None  # not written before its first (and only) step
        return x * 2

    result, node = quick.run_get_node(gf.Int(21), metadata={"label": label})
    assert result.value == 42
    assert node.is_finished_ok
    stored = gf.load_node(node.pk)
    assert stored.process_state.value == "finished"
    assert stored.outputs.result.value == 42


def test_sys_exit_in_a_body_excepts_the_process_and_the_engine_goes_on() -> None:
    @gf.calcfunction
    def leaves(x):
        sys.exit(3)

    with pytest.raises(SystemExit) as raised:
        leaves(gf.Int(1))
    assert raised.value.code == 3
    (row,) = gf.cypher(
        "MATCH (p:CalcFunction {process_label: 'leaves'}) RETURN p ORDER BY p.pk DESC LIMIT 1"
    )
    assert row["p"].process_state.value == "excepted"
    assert row["p"].exit_message == "ProcessError: the process's code called sys.exit(3)"

    @gf.calcfunction
    def after(x):
        return x + 1

    assert after(gf.Int(1)).value == 2  # the loop and the runner survived


def test_an_exception_in_a_nested_function_fails_the_outer_one_with_both_recorded() -> None:
    @gf.calcfunction
    def inner(x):
        raise ValueError("inner failure")

    @gf.workfunction
    def outer(x):
        return inner(x)

    with pytest.raises(ValueError, match="inner failure"):
        outer(gf.Int(5))
    rows = gf.cypher(
        "MATCH (w:WorkFunction {process_label: 'outer'})-[:CALL]->(c:CalcFunction) "
        "RETURN w.process_state AS outer, c.process_state AS inner ORDER BY w.pk DESC LIMIT 1"
    )
    assert rows == [{"outer": "excepted", "inner": "excepted"}]


SCRIPT = """
import sys, time
from pathlib import Path
from graphflow import Int, Str, calcfunction, workfunction

@calcfunction
def crunch(x, marker):
    Path(marker.value).touch()
    time.sleep(600)  # far longer than the test waits: Ctrl-C must stop the body itself
    return x + 1

@workfunction
def outer(x, marker):
    return {"result": crunch(x, marker)}

if __name__ == "__main__":
    outer(Int(1), Str(sys.argv[1]), metadata={"label": sys.argv[2]})
"""


def test_sigint_stops_a_running_body_at_once_and_kills_its_process(tmp_path: Path) -> None:
    script = tmp_path / "crunch.py"
    script.write_text(textwrap.dedent(SCRIPT))
    marker = tmp_path / "started"
    label = f"crunch-{uuid.uuid4().hex[:8]}"
    done, took = interrupt_once_started(
        [GRAPHFLOW, "run", str(script), str(marker), label], marker, timeout=60
    )
    err = done.stderr
    assert took < 30, "the body was not stopped"
    assert done.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("Interrupted: killing")
    assert "resume" not in lines[0]  # a killed function is not resumable: not offered
    rows = gf.cypher(
        "MATCH (w:WorkFunction {label: $label})-[:CALL]->(c:CalcFunction) "
        "RETURN w.pk AS outer, c.pk AS inner",
        label=label,
    )
    assert len(rows) == 1, rows
    for pk in rows[0].values():  # the function and the one it called: both killed so
        node = gf.load_node(pk)
        assert node.process_state.value == "killed", node
        assert node.exit_message == "interrupted by the user (Ctrl-C)"
        assert node.checkpoint is None


def test_an_unstored_functions_node_still_gives_its_outputs() -> None:
    @gf.calcfunction
    def double(x):
        return x * 2

    result, node = double.run_get_node(gf.Int(4), metadata={"store_provenance": False})
    assert not node.is_stored
    assert node.process_state.value == "finished"
    assert node.outputs.result is result
    assert result.value == 8


def test_killing_or_pausing_a_running_body_from_outside_is_refused_not_faked() -> None:
    release = threading.Event()
    label = f"unkillable-{uuid.uuid4().hex[:8]}"
    answers: list[str] = []

    @gf.calcfunction
    def busy(x):
        assert release.wait(60), "the test never released the body"
        return x + 1

    def try_to_stop() -> None:
        try:
            deadline = time.monotonic() + 30
            while (state := _state_of(label)) is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert state is not None, "the running function was never visible"
            (row,) = gf.cypher("MATCH (c:CalcFunction {label: $l}) RETURN c.pk AS pk", l=label)
            for action in (control.kill, control.pause):
                try:
                    action(row["pk"])
                except ProcessError as exc:
                    answers.append(str(exc))
        finally:
            release.set()

    other = threading.Thread(target=try_to_stop)
    other.start()
    result = busy(gf.Int(1), metadata={"label": label})
    other.join()
    assert result.value == 2
    assert len(answers) == 2, answers
    assert "cannot be killed from outside" in answers[0]
    assert "cannot be paused from outside" in answers[1]
    assert "Ctrl-C" in answers[0]
    final = _state_of(label)
    assert final is not None
    assert final["state"] == "finished"
