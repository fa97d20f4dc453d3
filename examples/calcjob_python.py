"""A real external program as calculation jobs: a Lennard-Jones scan, one job per distance.

The program (``lj_energy.py`` below) reads ``input.json`` and writes ``output.json``; the
bundled ``core.python.json`` calculation uploads it with its parameters, runs it with a
Python interpreter registered as a code, and parses the result into a ``Dict``. A work
chain submits one job per distance, all at once, and picks the minimum.

Run it with ``graphflow run examples/calcjob_python.py``. It sets up the computer
``localhost`` (local transport, direct scheduler, work directory in the profile's folder)
and the code ``python@localhost`` the first time; point ``--computer`` at any computer
made with ``graphflow computer setup`` (SSH, SLURM, SGE, ...) that has ``python3`` to
run it there.
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys

from graphflow import (
    Code,
    Computer,
    Dict,
    Float,
    SinglefileData,
    WorkChain,
    append_,
    load_code,
    load_computer,
    run_get_node,
)
from graphflow.calculations.python_json import PythonJsonCalculation
from graphflow.errors import NotExistentError
from graphflow.orm import current_profile

PROGRAM = """\
import json, sys

params = json.load(open(sys.argv[1]))
r, epsilon, sigma = params["r"], params["epsilon"], params["sigma"]
energy = 4 * epsilon * ((sigma / r) ** 12 - (sigma / r) ** 6)
json.dump({"r": r, "energy": energy}, open("output.json", "w"))
"""


class LennardJonesScan(WorkChain):
    """One ``core.python.json`` job per distance, run concurrently; the lowest energy wins."""

    @classmethod
    def define(cls, spec):
        super().define(spec)
        spec.input("code", valid_type=Code)
        spec.input("distances", valid_type=Dict, help="{'r': [distances in units of sigma]}")
        spec.output("r_min", valid_type=Float)
        spec.output("energy_min", valid_type=Float)
        spec.outline(cls.submit_jobs, cls.pick_minimum)
        spec.exit_code(400, "ERROR_JOB_FAILED", "the job for r = {r} failed: {message}")

    def submit_jobs(self):
        program = SinglefileData(io.BytesIO(PROGRAM.encode()), filename="lj_energy.py")
        for r in self.inputs.distances["r"]:
            job = self.submit(
                PythonJsonCalculation,
                code=self.inputs.code,
                script=program,
                parameters=Dict({"r": r, "epsilon": 1.0, "sigma": 1.0}),
                metadata={"label": f"lj r={r}"},
            )
            self.to_context(jobs=append_(job))

    def pick_minimum(self):
        for job in self.ctx.jobs:
            if not job.is_finished_ok:
                return self.exit_codes.ERROR_JOB_FAILED.format(
                    r=job.inputs.parameters["r"], message=job.exit_message
                )
        best = min((job.outputs.results for job in self.ctx.jobs), key=lambda d: d["energy"])
        self.out("r_min", Float(best["r"]).store())
        self.out("energy_min", Float(best["energy"]).store())


def python_code(computer_label: str) -> Code:
    """The code ``python@COMPUTER``, created (with ``localhost`` itself) the first time."""
    try:
        return load_code(f"python@{computer_label}")
    except NotExistentError:
        pass
    try:
        computer = load_computer(computer_label)
    except NotExistentError:
        if computer_label != "localhost":
            raise
        # its jobs' folders under the profile's own folder: nothing outside GRAPHFLOW_HOME
        work = current_profile().directory / "work"
        computer = Computer("localhost", hostname="localhost", workdir=str(work)).store()
    executable = shutil.which("python3") if computer.transport == "core.local" else None
    return Code(
        label="python", computer=computer, executable=executable or "/usr/bin/python3"
    ).store()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--computer", default="localhost")
    args = parser.parse_args(sys.argv[1:])
    code = python_code(args.computer)
    distances = [0.95, 1.0, 1.05, 1.1, 1.12, 1.15, 1.2, 1.3, 1.5, 2.0]
    result, node = run_get_node(LennardJonesScan, code=code, distances=Dict({"r": distances}))
    print(
        f"{len(distances)} jobs on {args.computer}: {node.process_state}, exit {node.exit_status}"
    )
    print(f"minimum energy {result['energy_min'].value:.4f} at r = {result['r_min'].value}")
    print(f"see them with: graphflow process status {node.pk}")
