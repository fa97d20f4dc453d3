"""Listing 14: a step that returns a positive integer terminates the work chain."""

from graphflow import WorkChain


class AbortWorkChain(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.outline(cls.abort_from_this_step, cls.never_reached)

    def abort_from_this_step(self):
        self.report("work chain will be terminated")
        return 404

    def never_reached(self):
        raise AssertionError("the outline continued after an exit status")


if __name__ == "__main__":
    from graphflow import run_get_node

    _, node = run_get_node(AbortWorkChain)
    print(f"exit status {node.exit_status}")
