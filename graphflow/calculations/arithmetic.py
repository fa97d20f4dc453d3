"""``core.arithmetic.add``: ``x + y`` computed by bash on a computer, as a batch job.

The code is a bash on the computer. The job runs ``bash job.sh``, a script that prints
``$((x + y))`` (two Ints) or the sum in ``awk``'s exponent notation (any Float, so the
result reads back as a Float even when it is whole) into ``output.txt``; the parser reads
it back as ``sum``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphflow.engine import CalcInfo, CalcJob, CodeInfo, ExitCode, Parser
from graphflow.orm import Float, Int

if TYPE_CHECKING:
    from graphflow.engine import ProcessSpec, Sandbox

__all__ = ["ArithmeticAddCalculation", "ArithmeticAddParser"]

INPUT_FILE = "job.sh"
OUTPUT_FILE = "output.txt"


class ArithmeticAddCalculation(CalcJob):
    """Adds ``x`` and ``y`` (Int or Float) with bash on the code's computer."""

    @classmethod
    def define(cls, spec: ProcessSpec) -> None:
        super().define(spec)
        spec.input("x", valid_type=(Int, Float), help="The left operand.")
        spec.input("y", valid_type=(Int, Float), help="The right operand.")
        spec.input("metadata.options.parser_name", valid_type=str, default="core.arithmetic.add")
        spec.input("metadata.options.resources", valid_type=dict, default={"num_machines": 1})
        spec.output("sum", valid_type=(Int, Float), help="x + y")
        spec.exit_code(310, "ERROR_READING_OUTPUT_FILE", "the output file could not be read")
        spec.exit_code(320, "ERROR_NOT_A_NUMBER", "the output file holds {text!r}, not a number")

    def prepare_for_submission(self, folder: Sandbox) -> CalcInfo:
        x, y = self.inputs.x.value, self.inputs.y.value
        if isinstance(x, int) and isinstance(y, int):
            body = f"echo $(( {x} + {y} ))\n"
        else:
            body = f"awk 'BEGIN {{ printf \"%.17e\\n\", {float(x)!r} + {float(y)!r} }}'\n"
        folder.write_text(INPUT_FILE, body)
        return CalcInfo(
            codes_info=[CodeInfo(self.code, [INPUT_FILE], stdout_name=OUTPUT_FILE)],
            retrieve_list=[OUTPUT_FILE],
        )


class ArithmeticAddParser(Parser):
    """Reads the sum from ``output.txt``: an Int for two Int inputs, a Float otherwise."""

    def parse(self, **kwargs: Any) -> ExitCode | None:
        if OUTPUT_FILE not in self.retrieved.list_object_names():
            return self.exit_codes.ERROR_READING_OUTPUT_FILE
        text = self.retrieved.get_object_content(OUTPUT_FILE).strip()
        try:
            value: int | float = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                return self.exit_codes.ERROR_NOT_A_NUMBER.format(text=text[:80])
        self.out("sum", Int(value) if isinstance(value, int) else Float(value))
        return None
