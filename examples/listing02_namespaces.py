"""Listing 2: nested input and output namespaces, created level by level from dotted names."""

from graphflow import ProcessSpec

spec = ProcessSpec()
spec.input_namespace("nested.input.namespace")
spec.output_namespace("some.outputs")

if __name__ == "__main__":
    print(spec.inputs.get_port("nested.input.namespace"))
    print(spec.outputs.get_port("some.outputs"))
