"""Listing 11: submit a child from a step and wait for it with ToContext."""

from children import ChildWorkChain

from graphflow import Int, ToContext, WorkChain

inputs = {"a": Int(7)}


class ParentWorkChain(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.submit_child_workchain, cls.inspect_child)
        spec.output("square", valid_type=Int)

    def submit_child_workchain(self):
        child = self.submit(ChildWorkChain, **inputs)
        return ToContext(child=child)

    def inspect_child(self):
        self.out("square", self.ctx.child.outputs.square)


if __name__ == "__main__":
    from graphflow import run

    print(run(ParentWorkChain))
