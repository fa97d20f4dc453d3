"""Processes that grow a realistic provenance graph for the W6 benchmark and lineage tests.

Three shapes, all made by running real process functions (no Cypher writes):

- ``add_multiply`` (the paper's listing 8): 8 nodes a call, the bulk of the graph;
- ``fibonacci_chain``: a work function whose calculations each take the two previous
  results, so every node shares its ancestors with its neighbour and the number of
  *paths* to the start grows like the Fibonacci numbers (2^0.69 a level) while the
  number of *nodes* grows linearly: the case that sinks path-enumerating queries;
- ``fan_in``: ``width`` values each computed from one shared seed, then summed by one
  calculation with ``width`` inputs (wide fan-in and fan-out).
"""

from __future__ import annotations

from graphflow import Int, calcfunction, workfunction


@calcfunction
def add(a, b):
    return a + b


@calcfunction
def multiply(a, b):
    return a * b


@workfunction
def add_multiply(x, y, z):
    """Listing 8 of the paper."""
    return multiply(add(x, y), z)


@calcfunction
def add_mod(a, b):
    """Addition modulo a prime, so that long chains keep their values in 64 bits."""
    return Int((a.value + b.value) % 1_000_003)


@workfunction
def fibonacci_chain(a, b, steps):
    """``steps`` additions, each of the two previous results; returns the last one."""
    previous, current = a, b
    for _ in range(steps.value):
        previous, current = current, add_mod(previous, current)
    return current


@calcfunction
def total(**values):
    return Int(sum(v.value for v in values.values()))


@workfunction
def fan_in(seed, width):
    """``width`` values from one seed (seed * i), summed by one calculation."""
    parts = {f"v{i}": multiply(seed, Int(i)) for i in range(width.value)}
    return total(**parts)
