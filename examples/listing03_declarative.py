"""Listing 3: declarations are declarative; the second declaration of 'a' replaces the first."""

from graphflow import Float, Int, ProcessSpec


def is_positive_integer(value, port):
    return None if value.value > 0 else "not a positive integer"


def is_positive_float(value, port):
    return None if value.value > 0 else "not a positive float"


spec = ProcessSpec()
spec.input("a", valid_type=Int, default=Int(2), validator=is_positive_integer, required=True)
spec.input("a", valid_type=Float, default=Float(3.0), validator=is_positive_float, required=False)

if __name__ == "__main__":
    port = spec.inputs["a"]
    print(port, "default:", port.default, "required:", port.required)
