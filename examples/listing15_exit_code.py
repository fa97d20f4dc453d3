"""Listing 15: returning an ExitCode declared in the spec sets exit status and message."""

from graphflow import WorkChain

INEVITABLE_ERROR = "INEVITABLE_ERROR"


class AbortingWorkChain(WorkChain):
    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.exit_code(404, INEVITABLE_ERROR, "this was unavoidable")
        spec.outline(cls.abort_straightaway)

    def abort_straightaway(self):
        self.report("work chain will be terminated")
        return self.exit_codes.INEVITABLE_ERROR


if __name__ == "__main__":
    from graphflow import run_get_node

    _, node = run_get_node(AbortingWorkChain)
    print(f"exit status {node.exit_status}: {node.exit_message}")
