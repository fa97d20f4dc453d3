"""The work chain of W3/W5, in a module of its own so that daemon workers can import it."""

from __future__ import annotations

from graphflow import Int, WorkChain, while_


class CountWorkChain(WorkChain):
    """``setup, while_(not_done)(increment), finalize``: n checkpointed steps, one output."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("n", valid_type=Int)
        spec.output("count", valid_type=Int)
        spec.outline(cls.setup, while_(cls.not_done)(cls.increment), cls.finalize)

    def setup(self):
        self.ctx.i = 0

    def not_done(self):
        return self.ctx.i < self.inputs.n.value

    def increment(self):
        self.ctx.i += 1

    def finalize(self):
        self.out("count", Int(self.ctx.i).store())
