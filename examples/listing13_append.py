"""Listing 13: submit ten children at once and collect them in a list with append_."""

from children import ChildWorkChain

from graphflow import Int, WorkChain, append_

inputs = {"a": Int(3)}


class ParentWorkChain(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.submit_multiple_child_workchains, cls.collect)

    def submit_multiple_child_workchains(self):
        for _ in range(10):
            self.to_context(children=append_(self.submit(ChildWorkChain, **inputs)))

    def collect(self):
        squares = [child.outputs.square.value for child in self.ctx.children]
        self.report(f"the children computed {squares}")


if __name__ == "__main__":
    from graphflow import run_get_node

    _, node = run_get_node(ParentWorkChain)
    print(f"{node.process_label} called {len(node.called)} children")
