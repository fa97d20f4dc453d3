"""Work chains on the real store: the paper's listings 9-16 as written, and failures."""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar

import pytest

import graphflow as gf
from graphflow.errors import (
    CheckpointError,
    OutlineError,
    PortValidationError,
    ProcessError,
    ProcessStateError,
)

pytestmark = pytest.mark.usefixtures("backend")
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "examples"))

import listing09_fizzbuzz  # noqa: E402
import listing11_submit_to_context  # noqa: E402
import listing12_to_context  # noqa: E402
import listing13_append  # noqa: E402
import listing14_abort  # noqa: E402
import listing15_exit_code  # noqa: E402
import listing16_expose  # noqa: E402
from children import ChildWorkChain  # noqa: E402


def reports(node) -> list[str]:
    rows = gf.cypher(
        "MATCH (l:Log {process_uuid: $u}) RETURN l.message AS m ORDER BY l.time, l.uuid",
        u=node.uuid,
    )
    return [r["m"] for r in rows]


def test_listing9_fizzbuzz() -> None:
    _, node = gf.run_get_node(listing09_fizzbuzz.FizzBuzzWorkChain)
    assert node.is_finished_ok

    def word(n: int) -> str:
        if n % 15 == 0:
            return "fizzbuzz"
        return "fizz" if n % 3 == 0 else "buzz" if n % 5 == 0 else str(n)

    expected = [word(n) for n in range(101)]
    assert reports(node) == expected
    assert node.checkpoint is None


@pytest.mark.parametrize("module", [listing11_submit_to_context, listing12_to_context])
def test_listings_11_12_wait_for_a_child(module) -> None:
    result, node = gf.run_get_node(module.ParentWorkChain)
    (child,) = node.called
    assert child.process_label == "ChildWorkChain"
    assert child.is_finished_ok
    assert result["square"].uuid == child.outputs.square.uuid
    rows = gf.cypher(
        "MATCH (p:WorkChain {uuid: $p})-[:RETURN {label: 'square'}]->(s:Int)"
        "<-[:RETURN]-(c:WorkChain {uuid: $c}) RETURN s.value AS v",
        p=node.uuid,
        c=child.uuid,
    )
    assert rows == [{"v": module.inputs["a"].value ** 2}]


def test_listing13_append_collects_ten_children_in_order() -> None:
    _, node = gf.run_get_node(listing13_append.ParentWorkChain)
    assert len(node.called) == 10
    assert reports(node)[-1] == "the children computed [9, 9, 9, 9, 9, 9, 9, 9, 9, 9]"


def test_listing14_int_aborts() -> None:
    _, node = gf.run_get_node(listing14_abort.AbortWorkChain)
    assert node.exit_status == 404
    assert node.process_state.value == "finished"
    assert reports(node) == ["work chain will be terminated"]


def test_listing15_exit_code() -> None:
    cls = listing15_exit_code.AbortingWorkChain
    assert cls.exit_codes.INEVITABLE_ERROR.status == 404
    _, node = gf.run_get_node(cls)
    assert (node.exit_status, node.exit_message) == (404, "this was unavoidable")


def test_listing16_exposed_inputs() -> None:
    spec = listing16_expose.ParentWorkChain.spec()
    assert "a" in spec.inputs
    _, node = gf.run_get_node(listing16_expose.ParentWorkChain, a=gf.Int(1))
    (child,) = node.called
    assert child.inputs.a.value == 1
    assert child.inputs.a.uuid == node.inputs.a.uuid
    with pytest.raises(PortValidationError, match="a: required value was not given"):
        gf.run(listing16_expose.ParentWorkChain)


class Exposer(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.expose_inputs(ChildWorkChain, namespace="first")
        spec.expose_inputs(ChildWorkChain, namespace="second", include=["a"])
        spec.expose_outputs(ChildWorkChain, namespace="first")
        spec.outline(cls.go, cls.gather)

    def go(self):
        return gf.ToContext(
            one=self.submit(ChildWorkChain, **self.exposed_inputs(ChildWorkChain, "first")),
            two=self.submit(ChildWorkChain, **self.exposed_inputs(ChildWorkChain, "second")),
        )

    def gather(self):
        self.out_many(self.exposed_outputs(self.ctx.one, ChildWorkChain, namespace="first"))


def test_exposed_namespaces_and_outputs() -> None:
    result, node = gf.run_get_node(Exposer, first={"a": gf.Int(2)}, second={"a": gf.Int(3)})
    assert result["first"]["square"].value == 4
    assert sorted(c.inputs.a.value for c in node.called) == [2, 3]


class Failing(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.start_child, cls.explode)

    def start_child(self):
        self.to_context(child=self.submit(ChildWorkChain, a=gf.Int(2)))

    def explode(self):
        self.report("about to explode")
        raise ValueError("step went wrong")


def test_step_that_raises_excepts_with_traceback_and_reraises() -> None:
    with pytest.raises(ValueError, match="step went wrong"):
        gf.run(Failing)
    node = gf.cypher(
        "MATCH (p:WorkChain {process_label: 'Failing'}) RETURN p ORDER BY p.pk DESC LIMIT 1"
    )[0]["p"]
    assert node.is_excepted
    assert node.exit_message == "ValueError: step went wrong"
    assert node.checkpoint is None
    logs = reports(node)
    assert logs[0] == "about to explode"
    assert "Traceback" in logs[-1]
    assert "step went wrong" in logs[-1]


class BadContext(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.set_lock, cls.never)

    def set_lock(self):
        self.ctx.lock = threading.Lock()

    def never(self):
        raise AssertionError("must not run")


def test_context_value_that_cannot_be_checkpointed_fails_its_step() -> None:
    with pytest.raises(CheckpointError, match=r"ctx\.lock holds a _thread\.lock"):
        gf.run(BadContext)


class DuplicateKey(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.twice)

    def twice(self):
        self.to_context(x=self.submit(ChildWorkChain, a=gf.Int(1)))
        self.to_context(x=self.submit(ChildWorkChain, a=gf.Int(1)))


def test_duplicate_to_context_key_is_refused() -> None:
    with pytest.raises(ProcessError, match="key 'x' is already waited for"):
        gf.run(DuplicateKey)


class UndeclaredOutput(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.emit)

    def emit(self):
        self.out("surprise", gf.Int(1).store())


def test_output_on_an_undeclared_port_is_refused() -> None:
    with pytest.raises(PortValidationError, match="surprise: unexpected value"):
        gf.run(UndeclaredOutput)


class MissingOutput(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.output("needed", valid_type=gf.Int)
        spec.outline(cls.nothing)

    def nothing(self):
        pass


def test_missing_required_output_fails_with_a_standard_exit_code() -> None:
    _, node = gf.run_get_node(MissingOutput)
    assert node.exit_status == 11
    assert node.exit_message == "the process did not record the required output needed"


class ChildFails(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.launch, cls.inspect)
        spec.exit_code(500, "ERROR_CHILD", "the child failed with {status}")

    def launch(self):
        return gf.ToContext(child=self.submit(listing15_exit_code.AbortingWorkChain))

    def inspect(self):
        if not self.ctx.child.is_finished_ok:
            return self.exit_codes.ERROR_CHILD.format(status=self.ctx.child.exit_status)
        return None


def test_parent_sees_a_failed_child_and_decides() -> None:
    _, node = gf.run_get_node(ChildFails)
    assert (node.exit_status, node.exit_message) == (500, "the child failed with 404")


def test_outline_with_a_missing_method_is_refused_at_class_definition() -> None:
    with pytest.raises(OutlineError, match="'missing'"):

        class Broken(gf.WorkChain):
            @classmethod
            def define(cls, spec):
                super().define(spec)
                spec.outline(cls.step, gf.while_(cls.missing)(cls.step))

            def step(self):
                pass


class Slow(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.setup, gf.while_(cls.more)(cls.tick))

    def setup(self):
        self.ctx.n = 0

    def more(self):
        return self.ctx.n < 50

    def tick(self):
        time.sleep(0.05)
        self.ctx.n += 1


class SlowParent(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.launch, cls.after)

    def launch(self):
        return gf.ToContext(child=self.submit(Slow))

    def after(self):
        raise AssertionError("a killed parent must not continue")


def test_kill_a_parent_kills_its_child() -> None:
    from graphflow import _loop
    from graphflow.engine import get_runner

    async def scenario():
        runner = await get_runner()
        parent = SlowParent()
        handle = runner.start(parent)
        while not parent.awaiting:
            await __import__("asyncio").sleep(0.02)
        child_uuid = parent.awaiting[0]["uuid"]
        await runner.kill(parent.node.uuid, "enough")
        await handle.terminated
        return parent.node, child_uuid

    node, child_uuid = _loop.call(scenario())
    assert node.is_killed
    assert node.exit_message == "enough"
    child = gf.load_node(child_uuid)
    assert child.is_killed
    assert "was killed" in child.exit_message


def test_pause_and_play_in_the_local_runner() -> None:
    from graphflow import _loop, control
    from graphflow.engine import get_runner

    async def start():
        runner = await get_runner()
        return runner.start(Slow())

    handle = _loop.call(start())
    time.sleep(0.3)
    control.pause(handle.node.pk)
    time.sleep(0.3)
    paused_at = handle.process.ctx.n
    assert gf.load_node(handle.node.pk).paused
    time.sleep(0.3)
    assert handle.process.ctx.n <= paused_at + 1  # at most the step that was running
    control.play(handle.node.pk)

    async def wait():
        await handle.terminated

    _loop.call(wait())
    node = gf.load_node(handle.node.pk)
    assert node.is_finished_ok
    assert not node.paused


def test_resume_refuses_terminated_and_running_processes() -> None:
    from graphflow import control

    _, node = gf.run_get_node(listing14_abort.AbortWorkChain)
    with pytest.raises(ProcessStateError, match="already finished"):
        control.resume(node.pk)


class Hooked(gf.WorkChain):
    """Records the transition hooks of listing 17 as they are called."""

    calls: ClassVar[list[tuple[str, str | None]]] = []

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.child, cls.done)

    def child(self):
        return gf.ToContext(kid=self.submit(ChildWorkChain, a=gf.Int(3)))

    def done(self):
        pass

    def on_exiting(self) -> None:
        self.calls.append(("exiting", self.state.value))

    def on_entering(self, state) -> None:
        self.calls.append(("entering", state.value))

    def on_entered(self, from_state) -> None:
        self.calls.append(("entered", from_state.value if from_state else None))


def test_transition_hooks_run_in_order_around_every_state_change() -> None:
    Hooked.calls.clear()
    _, node = gf.run_get_node(Hooked)
    assert node.is_finished_ok
    # created -> running -> waiting (for the child) -> running -> finished
    path = ["created", "running", "waiting", "running", "finished"]
    expected = []
    for old, new in itertools.pairwise(path):
        expected += [("exiting", old), ("entering", new), ("entered", old)]
    assert Hooked.calls == expected


HOOKS_THAT_READ_AND_REPORT = """
import sys
import graphflow as gf

class Child(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.go)
    def go(self):
        pass

class Hooked(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=gf.Int)
        spec.outline(cls.child, cls.done)
    def child(self):
        return gf.ToContext(kid=self.submit(Child))
    def done(self):
        if self.inputs.x.value < 0:
            raise ValueError("negative")
    def on_entered(self, from_state):
        x = gf.load_node(self.inputs.x.pk)  # a read through the store, as hooks do in AiiDA
        self.report(f"entered {self.state.value} (x={x.value})")
        if from_state is None or from_state.value == "created":
            print("pk", self.node.pk, flush=True)

if __name__ == "__main__":
    try:
        gf.run(Hooked, x=gf.Int(int(sys.argv[1])))
    except Exception as exc:
        print("raised", type(exc).__name__, exc)
"""


@pytest.mark.parametrize("x", [1, -1])
def test_transition_hooks_may_read_the_store_and_report(tmp_path: Path, x: int) -> None:
    """Hooks are user code: they run in a step's thread, never on graphflow's loop (where
    a read through the store would wait for the loop it blocks), and what they report is
    kept on the node for every transition, the start and the end included."""
    script = tmp_path / "hooks.py"
    script.write_text(HOOKS_THAT_READ_AND_REPORT)
    done = subprocess.run(
        [sys.executable, str(script), str(x)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    first, *rest = done.stdout.splitlines()
    assert rest == ([] if x > 0 else ["raised ValueError negative"]), done.stdout
    process = gf.load_node(int(first.removeprefix("pk ")))
    end = "finished" if x > 0 else "excepted"
    assert process.process_state.value == end
    value = f"(x={x})"
    assert [m for m in reports(process) if m.startswith("entered")] == [
        f"entered running {value}",
        f"entered waiting {value}",
        f"entered running {value}",
        f"entered {end} {value}",
    ]


@gf.calcfunction
def doubled(x):
    return gf.Int(2 * x.value)


class ReadsWhatItWrote(gf.WorkChain):
    """AiiDA's ``store()`` is immediate: a node a step stores can be loaded at once, by
    that step and by the next (here the step's writes commit after it, in one
    transaction, and the next step may run while they do)."""

    seen: ClassVar[dict[str, object]] = {}

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.store_some, cls.read_them)

    def store_some(self):
        stored = gf.Int(7).store()
        result, calc = doubled.run_get_node(gf.Int(4))
        self.ctx.pks = [stored.pk, result.pk]
        self.ctx.calc = calc.pk
        self.seen["same step"] = gf.load_node(stored.pk).value
        self.seen["same step by uuid"] = gf.load_node(stored.uuid).pk == stored.pk

    def read_them(self):
        self.seen["next step"] = [gf.load_node(pk).value for pk in self.ctx.pks]
        rows = gf.cypher("MATCH (n:Node) WHERE n.pk IN $pks RETURN n.pk AS pk", pks=self.ctx.pks)
        self.seen["next step by cypher"] = sorted(row["pk"] for row in rows)
        self.seen["pks"] = sorted(self.ctx.pks)
        self.seen["next step by link"] = gf.load_node(self.ctx.calc).inputs.x.value


def test_a_step_reads_what_its_process_stored_before_it_is_durable() -> None:
    ReadsWhatItWrote.seen.clear()
    _, node = gf.run_get_node(ReadsWhatItWrote)
    assert node.is_finished_ok, node.exit_message
    seen = ReadsWhatItWrote.seen
    assert seen.pop("next step by cypher") == seen.pop("pks")
    assert seen == {
        "same step": 7,
        "same step by uuid": True,
        "next step": [7, 8],
        "next step by link": 4,
    }


EXITS_IN_A_STEP = """
import sys
import graphflow as gf

class Quits(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.go)
    def go(self):
        print("pk", self.node.pk, flush=True)
        sys.exit(4)

class Fine(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.go)
    def go(self):
        pass

if __name__ == "__main__":
    try:
        gf.run(Quits)
    except gf.errors.ProcessError as exc:
        print("raised", exc)
    print("then", gf.run_get_node(Fine)[1].process_state.value)
"""


def test_sys_exit_in_a_step_excepts_the_process_and_the_engine_goes_on(tmp_path: Path) -> None:
    """A step runs in a pool thread: a SystemExit that reached graphflow's loop stopped
    the loop, and the script hung with every process it ran."""
    script = tmp_path / "exits.py"
    script.write_text(EXITS_IN_A_STEP)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    first, *rest = done.stdout.splitlines()
    assert rest == ["raised the process's code called sys.exit(4)", "then finished"]
    node = gf.load_node(int(first.removeprefix("pk ")))
    assert node.process_state.value == "excepted"
    assert node.exit_message == "ProcessError: the process's code called sys.exit(4)"


FAILING_HOOKS = """
import sys
import graphflow as gf

HOOK, STATE, HOW = sys.argv[1].split(":")

class Flaky(gf.WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=gf.Int)
        spec.outline(cls.go)
    def go(self):
        if STATE == "excepted":
            raise RuntimeError("the step failed")
    def fail(self, hook, state):
        if (hook, state) == (HOOK, STATE):
            if HOW == "exit":
                sys.exit(7)
            raise ValueError(f"{hook} refuses {state}")
    def on_entering(self, state):
        if state.value == "running" and self.state.value == "created":
            print("pk", self.node.pk, flush=True)
        gf.load_node(self.inputs.x.pk)  # the input, written with the creation
        self.fail("entering", state.value)
    def on_entered(self, from_state):
        self.fail("entered", self.state.value)

if __name__ == "__main__":
    try:
        gf.run(Flaky, x=gf.Int(1))
    except Exception as exc:
        print("raised", type(exc).__name__, exc)
"""


@pytest.mark.parametrize(
    ("hook", "state", "message"),
    [
        ("entering:running:raise", "excepted", "ValueError: entering refuses running"),
        ("entering:finished:raise", "excepted", "ValueError: entering refuses finished"),
        ("entered:finished:raise", "finished", None),
        ("entered:finished:exit", "finished", None),
        ("entering:excepted:raise", "excepted", "RuntimeError: the step failed"),
        ("entered:excepted:raise", "excepted", "RuntimeError: the step failed"),
    ],
)
def test_a_failing_transition_hook_never_leaves_the_process_running(
    tmp_path: Path, hook: str, state: str, message: str | None
) -> None:
    """A hook that fails before a change fails the process (excepted, stored, even at its
    start); one that fails after it, or while the process is already failing, is recorded
    and the change stands. Before, the process stayed 'running' for good, and asyncio
    printed an unretrieved error of the runner's task."""
    script = tmp_path / "flaky.py"
    script.write_text(FAILING_HOOKS)
    done = subprocess.run(
        [sys.executable, str(script), hook], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "never retrieved" not in done.stderr
    assert "Traceback" not in done.stderr
    pk = int(done.stdout.splitlines()[0].removeprefix("pk "))
    node = gf.load_node(pk)
    assert node.process_state.value == state
    assert node.exit_message == message
    logs = "\n".join(reports(node))
    if hook.startswith("entered") or hook == "entering:excepted:raise":
        which = "on_entered" if hook.startswith("entered") else "on_exiting/on_entering"
        assert f"{which} failed while entering {state}" in logs
    if hook.endswith("exit"):
        assert "sys.exit(7)" in logs
