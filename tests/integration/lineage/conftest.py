"""Provenance made by running real processes on the real store, for the lineage tests.

- ``paper``: the paper's listing 8, ``add_multiply(1, 2, 3)``, with every node named;
- ``chain``: 30 additions each of the two previous results (``fibonacci``): 61 ancestors
  but about 1.3 million paths to the start, which a path-enumerating query never finishes;
- ``fan``: 20 products of one seed, summed by one calculation with 20 inputs.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import graphflow as gf

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "examples"))

from listing08_add_multiply import add_multiply

CHAIN_STEPS = 30
FAN_WIDTH = 20


@gf.calcfunction
def add_mod(a, b):
    return gf.Int((a.value + b.value) % 1_000_003)


@gf.calcfunction
def times(a, b):
    return a * b


@gf.calcfunction
def total(**values):
    return gf.Int(sum(v.value for v in values.values()))


@gf.workfunction
def fibonacci(a, b, steps):
    previous, current = a, b
    for _ in range(steps.value):
        previous, current = current, add_mod(previous, current)
    return current


@gf.workfunction
def fan_in(seed, width):
    return total(**{f"v{i}": times(seed, gf.Int(i)) for i in range(width.value)})


@dataclass
class Run:
    result: Any
    workflow: Any
    nodes: dict[str, Any]  # by name, for the tests to read


@pytest.fixture(scope="session")
def paper(backend: object) -> Run:
    x, y, z = gf.Int(1), gf.Int(2), gf.Int(3)
    result, workflow = add_multiply.run_get_node(x, y, z)
    add_node, multiply_node = sorted(workflow.called, key=lambda n: n.pk)
    total_node = multiply_node.inputs.a
    return Run(
        result,
        workflow,
        {
            "x": x,
            "y": y,
            "z": z,
            "add": add_node,
            "sum": total_node,
            "multiply": multiply_node,
            "result": result,
            "workflow": workflow,
        },
    )


@pytest.fixture(scope="session")
def chain(backend: object) -> Run:
    a, b = gf.Int(1), gf.Int(1)
    result, workflow = fibonacci.run_get_node(a, b, gf.Int(CHAIN_STEPS))
    return Run(result, workflow, {"a": a, "b": b})


@pytest.fixture(scope="session")
def fan(backend: object) -> Run:
    seed = gf.Int(7)
    result, workflow = fan_in.run_get_node(seed, gf.Int(FAN_WIDTH))
    return Run(result, workflow, {"seed": seed})
