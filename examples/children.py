"""A small child work chain used by the listings on calling subprocesses (11-13, 16)."""

from graphflow import Int, WorkChain, calcfunction


@calcfunction
def square(x):
    return x * x


class ChildWorkChain(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("a", valid_type=Int)
        spec.output("square", valid_type=Int)
        spec.outline(cls.run_step)

    def run_step(self):
        self.report("running the ChildWorkChain")
        self.out("square", square(self.inputs.a))
