"""Listing 16: a parent that exposes the inputs of the child it wraps."""

from graphflow import Int, ToContext, WorkChain


class ParentWorkChain(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.expose_inputs(ChildWorkChain)
        spec.outline(cls.run_child)

    def run_child(self):
        child_inputs = self.exposed_inputs(ChildWorkChain)
        child = self.submit(ChildWorkChain, **child_inputs)
        return ToContext(child=child)


class ChildWorkChain(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("a", valid_type=Int)
        spec.outline(cls.run_step)

    def run_step(self):
        self.report("running the ChildWorkChain")


if __name__ == "__main__":
    from graphflow import run_get_node

    _, node = run_get_node(ParentWorkChain, a=Int(1))
    print(f"{node.process_label} called {[n.process_label for n in node.called]}")
