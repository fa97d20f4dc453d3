"""Work chains that daemon tests submit (workers import them from tests/support)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from graphflow import (
    Int,
    Str,
    ToContext,
    WorkChain,
    append_,
    calcfunction,
    run_get_node,
    while_,
    workfunction,
)

if TYPE_CHECKING:
    from pathlib import Path


@calcfunction
def double(x):
    return x * 2


@calcfunction
def total(**values):
    return sum(values.values(), Int(0))


class Child(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.output("y", valid_type=Int)
        spec.outline(cls.compute, cls.emit)

    def compute(self):
        self.ctx.y = double(self.inputs.x)

    def emit(self):
        self.out("y", self.ctx.y)


class Parent(WorkChain):
    """Submits three children and sums what they computed."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("n", valid_type=Int)
        spec.output("sum", valid_type=Int)
        spec.outline(cls.launch, cls.gather)

    def launch(self):
        for i in range(3):
            self.to_context(kids=append_(self.submit(Child, x=Int(self.inputs.n.value + i))))

    def gather(self):
        values = {f"v{i}": kid.outputs.y for i, kid in enumerate(self.ctx.kids)}
        self.out("sum", total(**values))


class FanIn(WorkChain):
    """Waits on one child and returns what it computed: ten thousand of these, submitted
    before any worker runs, wake together when their children (queued behind them) end."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.output("y", valid_type=Int)
        spec.outline(cls.launch, cls.collect)

    def launch(self):
        return ToContext(child=self.submit(Child, x=self.inputs.x))

    def collect(self):
        self.out("y", self.ctx.child.outputs.y)


class Ticker(WorkChain):
    """Many short steps: something to pause, play, kill and watch."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("ticks", valid_type=Int)
        spec.outline(cls.setup, while_(cls.more)(cls.tick))

    def setup(self):
        self.ctx.n = 0

    def more(self):
        return self.ctx.n < self.inputs.ticks.value

    def tick(self):
        time.sleep(0.1)
        self.ctx.n += 1


class Sleepy(WorkChain):
    """One long step (it sleeps), recording every time it starts in a file."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("seconds", valid_type=Int)
        spec.input("record", valid_type=Str)
        spec.outline(cls.nap)

    def nap(self):
        with open(self.inputs.record.value, "a") as handle:
            handle.write(f"{self.node.uuid}\n")
        time.sleep(self.inputs.seconds.value)


class Busy(WorkChain):
    """One long step that computes in pure Python (holding the GIL most of the time)."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("seconds", valid_type=Int)
        spec.input("record", valid_type=Str)
        spec.outline(cls.crunch)

    def crunch(self):
        with open(self.inputs.record.value, "a") as handle:
            handle.write(f"{self.node.uuid}\n")
        end = time.monotonic() + self.inputs.seconds.value
        count = 0
        while time.monotonic() < end:
            count += sum(i * i for i in range(1000))
        self.ctx.count = count


def executions(record: Path) -> list[str]:
    return record.read_text().split() if record.exists() else []


def wait_terminated(nodes, timeout: float = 120):  # type: ignore[no-untyped-def]
    """Reload ``nodes`` until all are terminated (the test's own polling of the store)."""
    import graphflow as gf

    deadline = time.monotonic() + timeout
    while True:
        fresh = [gf.load_node(n.uuid) for n in nodes]
        if all(n.is_terminated for n in fresh):
            return fresh
        if time.monotonic() > deadline:
            states = sorted({n.process_state.value for n in fresh})
            raise AssertionError(f"not all terminated within {timeout} s: {states}")
        time.sleep(0.2)


def wait_until(predicate, timeout: float = 60, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout} s")


class SlowParent(WorkChain):
    """Waits for two tickers: long enough to be watched."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("ticks", valid_type=Int)
        spec.outline(cls.launch, cls.done)

    def launch(self):
        for _ in range(2):
            self.to_context(kids=append_(self.submit(Ticker, ticks=self.inputs.ticks)))

    def done(self):
        self.report(f"{len(self.ctx.kids)} tickers done")


@calcfunction
def power(base, exponent):
    return Int(base.value**exponent.value)


@calcfunction
def text_of(size):
    return Str("x" * size.value)


class Extreme(WorkChain):
    """Makes ``base ** exponent`` and text of ``size`` characters: values at the edges."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("base", valid_type=Int)
        spec.input("exponent", valid_type=Int)
        spec.input("size", valid_type=Int)
        spec.output("number", valid_type=Int)
        spec.output("text", valid_type=Str)
        spec.outline(cls.make)

    def make(self):
        self.out("number", power(self.inputs.base, self.inputs.exponent))
        self.out("text", text_of(self.inputs.size))


# --- process functions submitted to the daemon (AiiDA 2.x submits them as any process) ---


@calcfunction
def scaled(x, *extra, factor=1, **named):
    """Every kind of argument, so the worker must rebuild the call as it was made (the
    plain default becomes ``Int(1)``, as in AiiDA)."""
    values = [x, *extra, *named.values()]
    return {"sum": Int(sum(v.value for v in values) * factor.value), "count": Int(len(values))}


@workfunction
def double_and_total(x, y):
    """A workfunction that calls calcfunctions and returns what one created."""
    return total(a=double(x), b=y)


@calcfunction
def refuses(x):
    raise ValueError(f"refused {x.value}")


class GrandParent(WorkChain):
    """Waits for a SlowParent, which waits for its tickers: two levels of waiting."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("ticks", valid_type=Int)
        spec.outline(cls.launch, cls.done)

    def launch(self):
        return ToContext(parent=self.submit(SlowParent, ticks=self.inputs.ticks))

    def done(self):
        self.report(f"parent ended {self.ctx.parent.process_state.value}")


class RunsNested(WorkChain):
    """Runs a SlowParent inside its step (a nested ``run``, which waits for its end)."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("ticks", valid_type=Int)
        spec.outline(cls.nest)

    def nest(self):
        _, node = run_get_node(SlowParent, ticks=self.inputs.ticks)
        self.report(f"nested ended {node.process_state.value}")
