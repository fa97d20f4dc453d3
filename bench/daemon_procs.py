"""The work chains of W3/W5 and of the fan-in, in a module of their own so that daemon
workers can import them."""

from __future__ import annotations

from graphflow import Int, ToContext, WorkChain, while_


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


class Held(WorkChain):
    """The child of the fan-in benchmark: one step, nothing stored but itself."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.done)

    def done(self):
        pass


class Waiter(WorkChain):
    """The parent of the fan-in benchmark: submits a Held child and waits for it."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("i", valid_type=Int)
        spec.outline(cls.launch, cls.check)
        spec.exit_code(400, "ERROR_CHILD_FAILED", message="the child did not finish ok")

    def launch(self):
        return ToContext(child=self.submit(Held))

    def check(self):
        if not self.ctx.child.is_finished_ok:
            return self.exit_codes.ERROR_CHILD_FAILED
        return None
