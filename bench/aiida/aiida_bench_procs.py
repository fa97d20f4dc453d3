"""AiiDA processes used by the benchmark workloads (see workloads.py).

They live in their own module, not in workloads.py, because daemon workers
re-import a submitted process by its module path: a class defined in a script
run as ``__main__`` cannot be found by a worker. The daemon must be started
with this file's folder on ``PYTHONPATH`` for W4/W5 to work.
"""

from __future__ import annotations

from aiida import orm
from aiida.engine import WorkChain, calcfunction, while_, workfunction


@calcfunction
def add(x: orm.Int, y: orm.Int) -> orm.Int:
    """W1, and the first step of W2: the sum as a new provenance node."""
    return x + y  # type: ignore[return-value]  # orm.Int arithmetic returns orm.Int


@calcfunction
def multiply(x: orm.Int, y: orm.Int) -> orm.Int:
    """Second step of W2."""
    return x * y  # type: ignore[return-value]  # orm.Int arithmetic returns orm.Int


@workfunction
def add_multiply(x: orm.Int, y: orm.Int, z: orm.Int) -> orm.Int:
    """W2: the add_multiply workfunction of the AiiDA paper (listing 8).

    One call records three processes (this one, ``add`` and ``multiply``) and,
    with fresh inputs, eight nodes.
    """
    total = add(x, y)
    return multiply(total, z)  # type: ignore[no-any-return]  # calcfunction returns orm.Int


class CountWorkChain(WorkChain):
    """W3/W5: ``setup, while_(not_done)(increment), finalize``.

    Each ``increment`` is one checkpointed step, so a run with ``n`` = 10
    counts as 10 steps.
    """

    @classmethod
    def define(cls, spec):  # type: ignore[no-untyped-def]  # AiiDA's spec API is untyped
        super().define(spec)
        spec.input("n", valid_type=orm.Int)
        spec.output("count", valid_type=orm.Int)
        spec.outline(cls.setup, while_(cls.not_done)(cls.increment), cls.finalize)

    def setup(self) -> None:
        self.ctx.count = 0

    def not_done(self) -> bool:
        return bool(self.ctx.count < self.inputs.n.value)

    def increment(self) -> None:
        self.ctx.count += 1

    def finalize(self) -> None:
        self.out("count", orm.Int(self.ctx.count).store())
