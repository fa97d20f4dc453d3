"""Listing 1: an input and an output port, declared through a process spec."""

from graphflow import Float, Int, ProcessSpec


def is_positive_integer(value, port):
    return None if value.value > 0 else f"{value.value} is not a positive integer"


def is_negative_float(value, port):
    return None if value.value < 0 else f"{value.value} is not a negative float"


spec = ProcessSpec()
spec.input("a", valid_type=Int, default=Int(2), validator=is_positive_integer, required=True)
spec.output("b", valid_type=Float, default=Float(-2.0), validator=is_negative_float, required=True)

if __name__ == "__main__":
    print(spec.inputs["a"], spec.outputs["b"])
    print("problems with a=-1:", spec.inputs.validate({"a": Int(-1)}))
