"""``core.python.json``: a Python program run on a JSON input file, its JSON output parsed.

The shape of most real codes' plugins: the job writes ``parameters`` as ``input.json``,
runs ``python <script> input.json`` on the code's computer, and the parser turns the
``output.json`` the program wrote into a ``Dict`` named ``results``. A program that
fails, writes nothing or writes something that is not a JSON object gets a named exit
code, with the program's last words in the message.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from graphflow.engine import CalcInfo, CalcJob, CodeInfo, ExitCode, Parser
from graphflow.orm import Dict, SinglefileData

if TYPE_CHECKING:
    from graphflow.engine import ProcessSpec, Sandbox

__all__ = ["PythonJsonCalculation", "PythonJsonParser"]

INPUT_FILE = "input.json"
OUTPUT_FILE = "output.json"
STDOUT_FILE = "stdout.txt"
STDERR_FILE = "stderr.txt"


class PythonJsonCalculation(CalcJob):
    """Runs ``script`` with the code (a Python interpreter) on ``parameters``."""

    @classmethod
    def define(cls, spec: ProcessSpec) -> None:
        super().define(spec)
        spec.input("script", valid_type=SinglefileData, help="The Python program to run.")
        spec.input("parameters", valid_type=Dict, help="Written to input.json for the program.")
        spec.input("metadata.options.parser_name", valid_type=str, default="core.python.json")
        spec.input("metadata.options.resources", valid_type=dict, default={"num_machines": 1})
        spec.output("results", valid_type=Dict, help="The object the program wrote to output.json.")
        spec.exit_code(
            300, "ERROR_PROGRAM_FAILED", "the program exited with status {status}: {last}"
        )
        spec.exit_code(310, "ERROR_OUTPUT_MISSING", "the program wrote no output.json")
        spec.exit_code(320, "ERROR_OUTPUT_NOT_JSON", "output.json is not a JSON object: {error}")

    def prepare_for_submission(self, folder: Sandbox) -> CalcInfo:
        script = self.inputs.script
        folder.write_text(INPUT_FILE, json.dumps(self.inputs.parameters.get_dict(), indent=2))
        return CalcInfo(
            codes_info=[
                CodeInfo(
                    self.code,
                    [script.filename, INPUT_FILE],
                    stdout_name=STDOUT_FILE,
                    stderr_name=STDERR_FILE,
                )
            ],
            local_copy_list=[(script, None, script.filename)],
            retrieve_list=[OUTPUT_FILE],
        )


class PythonJsonParser(Parser):
    """``output.json`` as the ``results`` Dict, or the exit code saying what went wrong."""

    def parse(self, **kwargs: Any) -> ExitCode | None:
        names = self.retrieved.list_object_names()
        if self.job_exit_code not in (0, None):
            last = ""
            if STDERR_FILE in names:
                lines = self.retrieved.get_object_content(STDERR_FILE).strip().splitlines()
                last = lines[-1] if lines else ""
            return self.exit_codes.ERROR_PROGRAM_FAILED.format(
                status=self.job_exit_code, last=last or "(nothing on stderr)"
            )
        if OUTPUT_FILE not in names:
            return self.exit_codes.ERROR_OUTPUT_MISSING
        try:
            results = json.loads(self.retrieved.get_object_content(OUTPUT_FILE))
        except json.JSONDecodeError as exc:
            return self.exit_codes.ERROR_OUTPUT_NOT_JSON.format(error=exc)
        if not isinstance(results, dict):
            return self.exit_codes.ERROR_OUTPUT_NOT_JSON.format(
                error=f"it holds a {type(results).__name__}"
            )
        self.out("results", Dict(results))
        return None
