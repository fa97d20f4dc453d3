"""submit_many: a sweep is validated whole, stored a chunk per commit, and queued together."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from support.daemon_workflows import Child, wait_terminated, wait_until

import graphflow as gf
from graphflow.engine import _submit
from graphflow.errors import BrokerUnavailableError, PortValidationError, ProcessError

if TYPE_CHECKING:
    from support.daemon import DaemonFixture

pytestmark = pytest.mark.usefixtures("backend")

# The tests without a daemon come first: the module's daemon fixture makes its own profile
# (and its broker) current until the module ends.


def stored_children() -> int:
    rows = gf.cypher("MATCH (p:WorkChain {process_label: 'Child'}) RETURN count(p) AS n")
    return int(rows[0]["n"])


def test_a_bad_inputs_dict_stores_nothing_and_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPHFLOW_BROKER", "amqp://guest:guest@127.0.0.1:1/")
    before = stored_children()
    sweep = [{"x": gf.Int(1)}, {"x": gf.Int(2)}, {"x": gf.Str("three")}, {"x": gf.Int(4)}]
    with pytest.raises(PortValidationError) as info:
        gf.submit_many(Child, sweep)
    assert "in inputs[2] given to submit_many: nothing was submitted" in info.value.__notes__
    assert stored_children() == before
    assert not any(values["x"].is_stored for values in sweep)


def test_an_unreachable_broker_kills_what_it_stored_and_says_how_many(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRAPHFLOW_BROKER", "amqp://guest:guest@127.0.0.1:1/")
    monkeypatch.setattr(_submit, "CHUNK", 2)
    sweep = [{"x": gf.Int(i)} for i in range(5)]
    with pytest.raises(BrokerUnavailableError) as info:
        gf.submit_many(Child, sweep)
    message = str(info.value)
    assert message.startswith(
        "submit_many: 0 of 5 processes were submitted; 2 (the first WorkChain node pk "
    )
    assert "are marked killed; 3 were not stored" in message
    assert "127.0.0.1:1" in message
    # the first chunk is stored and killed with the reason; the rest never reached the store
    first, second, *rest = (values["x"] for values in sweep)
    assert first.is_stored
    assert second.is_stored
    assert not any(node.is_stored for node in rest)
    killed = gf.cypher(
        "MATCH (i:Node)-[:INPUT]->(p:WorkChain) WHERE i.uuid IN $u "
        "RETURN p.process_state AS state, p.exit_message AS why",
        u=[first.uuid, second.uuid],
    )
    assert len(killed) == 2
    assert all(r["state"] == "killed" and r["why"].startswith("not submitted:") for r in killed)


def test_an_entry_that_is_not_a_dict_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPHFLOW_BROKER", "amqp://guest:guest@127.0.0.1:1/")
    before = stored_children()
    with pytest.raises(
        TypeError, match=r"inputs\[1\] given to submit_many is of type int, not a dict"
    ):
        gf.submit_many(Child, [{"x": gf.Int(1)}, 5])
    assert stored_children() == before


def test_an_empty_sweep_submits_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPHFLOW_BROKER", "amqp://guest:guest@127.0.0.1:1/")
    assert gf.submit_many(Child, []) == []


def test_something_that_is_not_a_process_is_a_value_error_as_in_aiida() -> None:
    """AiiDA's ``submit`` refuses it in ``instantiate_process`` with ValueError."""
    for launch in (gf.submit, lambda p: gf.submit_many(p, [{}])):
        with pytest.raises(ValueError, match=r"5 cannot be submitted") as caught:
            launch(5)
        assert isinstance(caught.value, ProcessError)


@pytest.mark.requires_rabbitmq
def test_a_sweep_larger_than_a_chunk_runs_every_process_in_order(
    daemon: DaemonFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_submit, "CHUNK", 7)  # 30 processes: five chunks, the last short
    nodes = gf.submit_many(Child, ({"x": gf.Int(i)} for i in range(30)))
    assert [n.pk for n in nodes] == sorted(n.pk for n in nodes)
    done = wait_terminated(nodes, timeout=180)
    assert all(n.is_finished_ok for n in done), {n.process_state for n in done}
    assert [n.outputs.y.value for n in done] == [2 * i for i in range(30)]
    # the outbox marks are cleared (a second later: clears are gathered into one commit),
    # so no worker will queue these a second time
    uuids = [n.uuid for n in nodes]

    def marks_left() -> bool:
        rows = gf.cypher(
            "MATCH (p:WorkChain) WHERE p.uuid IN $u AND p.unpublished IS NOT NULL "
            "RETURN count(p) AS n",
            u=uuids,
        )
        return rows[0]["n"] == 0

    wait_until(marks_left, timeout=30, what="the outbox marks cleared")


@pytest.mark.requires_rabbitmq
def test_one_unstored_input_shared_by_a_sweep_is_stored_once(daemon: DaemonFixture) -> None:
    shared = gf.Int(21)
    nodes = gf.submit_many(Child, [{"x": shared}] * 4)
    assert shared.is_stored
    # only the links into the sweep's work chains: the daemon may already be running them,
    # and each one's `double` calcfunction takes the same node as its input
    rows = gf.cypher(
        "MATCH (i:Node {uuid: $u})-[l:INPUT]->(p:WorkChain) RETURN count(DISTINCT i) AS nodes, "
        "count(l) AS links",
        u=shared.uuid,
    )
    assert rows[0] == {"nodes": 1, "links": 4}
    assert all(n.is_finished_ok for n in wait_terminated(nodes))
