"""A work chain with children and calcfunctions that kills its own interpreter on cue.

``GRAPHFLOW_TEST_KILL_AT=name:n[:delay]`` sends SIGKILL to this interpreter at the n-th
start of step (or calcfunction) ``name``, after ``delay`` seconds (letting earlier commits
land, or not).
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

from graphflow import Int, ToContext, WorkChain, calcfunction, while_

_seen: Counter[str] = Counter()


def checkpoint_here(name: str) -> None:
    cue = os.environ.get("GRAPHFLOW_TEST_KILL_AT")
    if not cue:
        return
    target, count, *rest = cue.split(":")
    if target != name:
        return
    _seen[name] += 1
    if _seen[name] == int(count):
        time.sleep(float(rest[0]) if rest else 0.0)
        os.kill(os.getpid(), signal.SIGKILL)


@calcfunction
def add(a, b):
    checkpoint_here("add")
    return a + b


@calcfunction
def double(x):
    checkpoint_here("double")
    return x * 2


class CrashyChild(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("x", valid_type=Int)
        spec.output("y", valid_type=Int)
        spec.outline(cls.compute, cls.emit)

    def compute(self):
        checkpoint_here("child_compute")
        self.ctx.y = double(self.inputs.x)

    def emit(self):
        checkpoint_here("child_emit")
        self.out("y", self.ctx.y)


class CrashyParent(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("rounds", valid_type=Int)
        spec.output("total", valid_type=Int)
        spec.outline(cls.setup, while_(cls.more)(cls.launch, cls.accumulate), cls.finalize)

    def setup(self):
        checkpoint_here("setup")
        self.ctx.round = 0
        self.ctx.total = Int(0).store()

    def more(self):
        return self.ctx.round < self.inputs.rounds.value

    def launch(self):
        checkpoint_here("launch")
        self.ctx.round += 1
        return ToContext(child=self.submit(CrashyChild, x=Int(self.ctx.round)))

    def accumulate(self):
        checkpoint_here("accumulate")
        self.ctx.total = add(self.ctx.total, self.ctx.child.outputs.y)

    def finalize(self):
        checkpoint_here("finalize")
        self.out("total", self.ctx.total)


if __name__ == "__main__":
    import sys

    from graphflow import _loop
    from graphflow.engine import get_runner

    process = CrashyParent({"rounds": Int(int(sys.argv[1]) if len(sys.argv) > 1 else 3)})
    print(process.node.uuid, flush=True)

    async def drive():
        runner = await get_runner()
        handle = runner.start(process)
        await handle.terminated

    _loop.call(drive())
    print(process.node.process_state.value, flush=True)
