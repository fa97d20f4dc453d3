"""Process functions submitted to the daemon, as AiiDA 2.x allows (``submit(add, ...)``
since aiida-core 1.5): the node is stored at once, a worker imports the function from
its module, runs it and records its outputs, with the provenance a call would give."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from support.daemon_workflows import (
    double,
    double_and_total,
    refuses,
    scaled,
    total,
    wait_terminated,
)

import graphflow as gf
from graphflow.errors import PortValidationError, ProcessError
from graphflow.orm import CalcFunctionNode, WorkFunctionNode

if TYPE_CHECKING:
    from support.daemon import DaemonFixture

pytestmark = pytest.mark.usefixtures("backend")

# The tests without a daemon come first: the module's daemon fixture makes its own profile
# (and its broker) current until the module ends.


def calcfunctions_labelled(label: str) -> int:
    rows = gf.cypher("MATCH (p:CalcFunction {process_label: $l}) RETURN count(p) AS n", l=label)
    return int(rows[0]["n"])


def test_an_input_the_function_does_not_take_is_refused_before_anything_is_stored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As in AiiDA, the inputs are validated against the function's ports: an unknown
    one is a ValueError (plumpy's validation), and nothing is stored or queued."""
    monkeypatch.setenv("GRAPHFLOW_BROKER", "amqp://guest:guest@127.0.0.1:1/")
    before = calcfunctions_labelled("double")
    with pytest.raises(ValueError, match=r"\by\b") as caught:
        gf.submit(double, x=gf.Int(1), y=gf.Int(2))
    assert isinstance(caught.value, PortValidationError)
    assert calcfunctions_labelled("double") == before


def test_a_function_no_worker_could_import_is_refused_and_run_is_suggested(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRAPHFLOW_BROKER", "amqp://guest:guest@127.0.0.1:1/")

    @gf.calcfunction
    def local(x: gf.Int) -> gf.Int:
        return x + 1

    with pytest.raises(ProcessError, match=r"local cannot be submitted.*run\(\) it here"):
        gf.submit(local, x=gf.Int(1))
    assert calcfunctions_labelled("local") == 0


@pytest.mark.requires_rabbitmq
def test_a_submitted_calcfunction_is_stored_at_once_and_a_worker_runs_it(
    daemon: DaemonFixture,
) -> None:
    given = gf.Int(3)
    node = gf.submit(double, x=given)
    assert isinstance(node, CalcFunctionNode)
    assert node.is_stored
    assert node.process_state.value == "created"
    assert (node.label, node.process_label) == ("double", "double")
    (done,) = wait_terminated([node])
    assert done.is_finished_ok, (done.process_state, done.exit_message, daemon.logs())
    assert done.outputs.result.value == 6
    assert done.inputs.x.uuid == given.uuid
    rows = gf.cypher(
        "MATCH (p:CalcFunction {uuid: $u})-[c:CREATE]->(r:Int) "
        "MATCH (r)<-[any:CREATE]-() RETURN c.label AS label, count(any) AS creators",
        u=node.uuid,
    )
    assert rows == [{"label": "result", "creators": 1}]


@pytest.mark.requires_rabbitmq
def test_plain_values_and_every_kind_of_argument_reach_the_body(daemon: DaemonFixture) -> None:
    """Plain values become nodes as when the function is called; declared, defaulted
    keyword and ``**kwargs`` arguments are given back to the body as they were named."""
    node = gf.submit(scaled, x=1, factor=gf.Int(3), a=gf.Int(2), b=4)
    (done,) = wait_terminated([node])
    assert done.is_finished_ok, (done.exit_message, daemon.logs())
    assert (done.outputs.sum.value, done.outputs.count.value) == (21, 3)
    assert set(done.inputs) == {"x", "factor", "a", "b"}
    defaulted = gf.submit(scaled, x=gf.Int(5))
    (done,) = wait_terminated([defaulted])
    assert (done.outputs.sum.value, done.outputs.count.value) == (5, 1)
    assert done.inputs.factor.value == 1  # the default is recorded as an input, as AiiDA


@pytest.mark.requires_rabbitmq
def test_a_submitted_workfunction_calls_and_returns_with_full_provenance(
    daemon: DaemonFixture,
) -> None:
    node = gf.submit(double_and_total, x=gf.Int(2), y=gf.Int(5))
    assert isinstance(node, WorkFunctionNode)
    (done,) = wait_terminated([node])
    assert done.is_finished_ok, (done.exit_message, daemon.logs())
    assert done.outputs.result.value == 9
    called = sorted(child.process_label for child in done.called)
    assert called == ["double", "total"]
    summed = next(child for child in done.called if child.process_label == "total")
    assert summed.outputs.result.uuid == done.outputs.result.uuid  # returned, not created
    assert total.process_class.process_label() == "total"


@pytest.mark.requires_rabbitmq
def test_a_submitted_function_that_raises_is_excepted_with_its_error(
    daemon: DaemonFixture,
) -> None:
    node = gf.submit(refuses, x=gf.Int(7))
    (done,) = wait_terminated([node])
    assert done.is_excepted
    assert "refused 7" in (done.exit_message or "")
    assert len(done.outputs) == 0


@pytest.mark.requires_rabbitmq
def test_a_sweep_of_a_calcfunction_runs_every_one(daemon: DaemonFixture) -> None:
    nodes = gf.submit_many(double, [{"x": gf.Int(i)} for i in range(6)])
    done = wait_terminated(nodes)
    assert [n.outputs.result.value for n in done] == [2 * i for i in range(6)]
