"""User code never calls back into graphflow's loop (issue 20, item 1).

A work chain step, the process functions it calls, a CalcJob's ``prepare_for_submission``
and its parser run in the runner's pool threads. Everything they need from the store —
pks for the nodes they store — is reserved by the driver before the step starts, so
they never hand a coroutine to the loop and block on it. Each such hand-over is a
border where shutdown, cancellation and writer failures used to meet; this counts them
on the real store, through the path users get.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import pytest

import graphflow as gf
from graphflow import CalculationFactory, Int, _loop

pytestmark = pytest.mark.usefixtures("backend")

Add = CalculationFactory("core.arithmetic.add")


@gf.calcfunction
def triple(x: Int) -> Int:
    return Int(x.value * 3)


class StoresALot(gf.WorkChain):
    """Three steps that store many nodes, call process functions and a CalcJob."""

    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.input("code", valid_type=gf.Code)
        spec.outline(cls.store_many, cls.call_functions, cls.run_job, cls.finish)
        spec.output("total", valid_type=Int)

    def store_many(self) -> None:
        # more nodes than the first pk block holds, in one step
        self.ctx.stored = [Int(i).store() for i in range(40)]
        self.report(f"stored {len(self.ctx.stored)} nodes, the last pk {self.ctx.stored[-1].pk}")

    def call_functions(self) -> None:
        self.ctx.tripled = [triple(node) for node in self.ctx.stored[:10]]

    def run_job(self) -> Any:
        return gf.ToContext(job=self.submit(Add, code=self.inputs.code, x=Int(1), y=Int(2)))

    def finish(self) -> None:
        total = sum(n.value for n in self.ctx.tripled) + self.ctx.job.outputs.sum.value
        self.out("total", Int(total).store())


@pytest.fixture
def crossings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What user-code threads handed to the loop while the test ran."""
    seen: list[str] = []
    submit = _loop.submit

    def counting(coro: Any) -> Any:
        name = threading.current_thread().name
        if name.startswith("graphflow-step"):
            seen.append(f"{name}: {getattr(coro, '__qualname__', coro)}")
        return submit(coro)

    monkeypatch.setattr(_loop, "submit", counting)
    return seen


def test_steps_functions_and_jobs_never_call_back_into_the_loop(
    local_bash: gf.Code, crossings: list[str]
) -> None:
    result, node = gf.run_get_node(StoresALot, code=local_bash)

    assert node.is_finished_ok, node.exit_message
    assert result["total"].value == sum(3 * i for i in range(10)) + 3
    assert crossings == []
    # the pks handed out in one step are distinct and belong to stored nodes
    stored = gf.cypher(
        "MATCH (p:WorkChain {uuid: $u})-[:CALL]->(f)-[:INPUT]-(d:Int) RETURN count(d) AS n",
        u=node.uuid,
    )
    assert stored[0]["n"] > 0


class StoresThousands(gf.WorkChain):
    """One step storing more nodes than any reserve: the rare case that may cross."""

    handed_out: ClassVar[list[int]] = []

    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.outline(cls.store)

    def store(self) -> None:
        StoresThousands.handed_out = [Int(i).store().pk for i in range(3000)]


def test_a_step_storing_more_than_the_reserve_gets_distinct_stored_pks() -> None:
    _, node = gf.run_get_node(StoresThousands)

    assert node.is_finished_ok, node.exit_message
    pks = StoresThousands.handed_out
    assert len(set(pks)) == 3000
    rows = gf.cypher("MATCH (d:Int) WHERE d.pk IN $pks RETURN count(d) AS n", pks=pks)
    assert rows[0]["n"] == 3000
