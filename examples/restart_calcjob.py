"""A calculation job that fails until its input is raised, restarted by a handler.

The program (``relax.py`` below) "converges" only when it may take at least 40 steps;
with fewer it exits with status 3 and says so on stderr, so the ``core.python.json`` job
fails with ``ERROR_PROGRAM_FAILED``. ``Relax``, a ``BaseRestartWorkChain``, runs the job;
its process handler for that exit code doubles ``max_steps`` and the work chain runs the
job again, until it succeeds or ``max_iterations`` is reached. With ``clean_workdir`` the
jobs' remote folders are removed at the end.

Run it with ``graphflow run examples/restart_calcjob.py`` (it uses the ``localhost``
computer of ``examples/calcjob_python.py``, made the first time).
"""

from __future__ import annotations

import io
import sys

from graphflow import (
    BaseRestartWorkChain,
    Bool,
    Dict,
    ProcessHandlerReport,
    SinglefileData,
    process_handler,
    run_get_node,
    while_,
)
from graphflow.calculations.python_json import PythonJsonCalculation

PROGRAM = """\
import json, sys

params = json.load(open(sys.argv[1]))
if params["max_steps"] < 40:
    sys.exit(f"not converged after {params['max_steps']} steps")
json.dump({"energy": -1.25, "steps": 40}, open("output.json", "w"))
"""


class Relax(BaseRestartWorkChain):
    """Run the relaxation job; when it does not converge, give it twice the steps."""

    _process_class = PythonJsonCalculation

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.expose_inputs(PythonJsonCalculation, namespace="job")
        spec.expose_outputs(PythonJsonCalculation)
        spec.outline(
            cls.setup,
            while_(cls.should_run_process)(cls.run_process, cls.inspect_process),
            cls.results,
        )

    def setup(self):
        super().setup()
        self.ctx.inputs = self.exposed_inputs(PythonJsonCalculation, "job")

    @process_handler(priority=400, exit_codes=PythonJsonCalculation.exit_codes.ERROR_PROGRAM_FAILED)
    def handle_not_converged(self, node):
        parameters = node.inputs["parameters"].get_dict()
        parameters["max_steps"] *= 2
        self.ctx.inputs.parameters = parameters  # a plain dict: made a Dict when submitted
        self.report(f"not converged: trying again with max_steps = {parameters['max_steps']}")
        return ProcessHandlerReport()


if __name__ == "__main__":
    sys.path.insert(0, __file__.rsplit("/", 1)[0])  # calcjob_python beside this file
    from calcjob_python import python_code

    program = SinglefileData(io.BytesIO(PROGRAM.encode()), filename="relax.py")
    result, node = run_get_node(
        Relax,
        job={
            "code": python_code("localhost"),
            "script": program,
            "parameters": Dict({"max_steps": 10}),
        },
        clean_workdir=Bool(True),
    )
    steps = [job.inputs["parameters"]["max_steps"] for job in node.called]
    print(f"Relax <{node.pk}> {node.process_state.value}, exit {node.exit_status}")
    print(f"jobs run with max_steps {steps}: {[job.exit_status for job in node.called]}")
    print(f"results: {result['results'].get_dict()}")
    print(f"see it with: graphflow process report {node.pk}")
