"""Values at the edges of their types on the real store: an exact round trip, or a clear
error naming the node; never a hang, and never a writer that stops writing."""

from __future__ import annotations

import asyncio
import math

import pytest

import graphflow as gf
from graphflow import _loop
from graphflow.errors import NotStorableError, StoreError
from graphflow.orm import get_backend
from graphflow.store import WriteBatch, query

pytestmark = pytest.mark.usefixtures("backend")


@pytest.mark.parametrize(
    "value",
    [2**63 - 1, -(2**63), 2**63, -(2**63) - 1, 10**100, -(10**4000)],
    ids=["int64-max", "int64-min", "2**63", "-2**63-1", "10**100", "-10**4000"],
)
def test_integers_of_any_size_round_trip_exactly(value: int) -> None:
    node = gf.Int(value).store()
    back = gf.load_node(node.pk)
    assert back.value == value
    assert type(back.value) is int
    (row,) = gf.cypher("MATCH (n:Int {uuid: $u}) RETURN n.value AS v", u=node.uuid)
    # inside 64 bits a native integer Cypher compares; outside, its exact decimal text
    assert row["v"] == (value if -(2**63) <= value < 2**63 else str(value))


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 5e-324, 1.7976931348623157e308])
def test_floats_at_their_edges_round_trip(value: float) -> None:
    back = gf.load_node(gf.Float(value).store().pk).value
    assert back == value or (math.isnan(back) and math.isnan(value))


@pytest.mark.parametrize(
    "make",
    [
        lambda: gf.Str("a\x00b"),
        lambda: gf.Str("\U0001f600" * 100_000),
        lambda: gf.Dict({"k\x00": "v\x00", "big": 2**80}),
        lambda: gf.List([2**64, -(2**64), "\x00"]),
        lambda: gf.Int(1, label="x\x00y", description="d\x00"),
    ],
    ids=["nul", "astral", "dict", "list", "label"],
)
def test_text_with_nul_and_astral_characters_round_trips(make) -> None:  # type: ignore[no-untyped-def]
    node = make().store()
    back = gf.load_node(node.pk)
    assert back.value == node.value
    assert (back.label, back.description) == (node.label, node.description)


def test_a_str_just_below_the_limit_is_stored_and_one_above_is_refused() -> None:
    text = "x" * (4 * 1024 * 1024 - len('{"value":""}'))
    assert gf.load_node(gf.Str(text).store().pk).value == text
    with pytest.raises(NotStorableError, match="SinglefileData"):
        gf.Str(text + "xyz")


@gf.calcfunction
def power(base, exponent):
    return gf.Int(base.value**exponent.value)


@gf.calcfunction
def huge_text(size):
    return gf.Str("x" * size.value)


@gf.calcfunction
def many_large_texts(count, size):
    return {f"text_{i}": gf.Str(str(i % 10) * size.value) for i in range(count.value)}


def test_a_process_that_makes_a_huge_value_fails_alone_and_the_next_one_runs() -> None:
    result, node = power.run_get_node(gf.Int(2), gf.Int(200))
    assert node.is_finished_ok
    assert gf.load_node(result.pk).value == 2**200
    with pytest.raises(NotStorableError, match="Str of 10,000,000 characters"):
        huge_text(gf.Int(10_000_000))
    (failed,) = gf.cypher(
        "MATCH (p:CalcFunction {process_label: 'huge_text'}) RETURN p.process_state AS s, "
        "p.exit_message AS m ORDER BY p.pk DESC LIMIT 1"
    )
    assert failed["s"] == "excepted"
    assert "Str of 10,000,000 characters" in failed["m"]
    assert power(gf.Int(3), gf.Int(2)).value == 9


def test_the_writer_fails_only_the_batch_the_driver_cannot_pack() -> None:
    """A value that got past every check of a batch (here put in by hand) fails its own
    batch, named by the statement's parameter check before the driver would choke on
    it; the writer keeps committing the batches after it."""

    async def scenario() -> tuple[BaseException | None, list[dict[str, object]]]:
        backend = await get_backend()
        bad = WriteBatch()
        bad.creates["Int"].append({"uuid": "bad-row", "pk": -1, "value": 2**64})
        good = WriteBatch()
        good.create("Int", {"uuid": "good-row-after-bad", "pk": -2, "value": 1})
        futures = [backend.writer.submit(bad), backend.writer.submit(good)]
        outcomes = await asyncio.gather(*futures, return_exceptions=True)
        rows = await backend.store.read(query("store.find_nodes"), uuids=["good-row-after-bad"])
        return outcomes[0], rows

    error, rows = _loop.call(scenario())
    assert isinstance(error, StoreError)
    assert "parameter $nodes_Int[0].value is the integer 18446744073709551616" in str(error)
    assert len(rows) == 1
    assert gf.load_node(gf.Int(5).store().pk).value == 5


@pytest.mark.parametrize("pk", [2**63, -(2**63) - 1, 10**30])
def test_a_pk_outside_64_bits_is_no_node_not_a_driver_crash(pk: int) -> None:
    from graphflow.errors import NotExistentError

    with pytest.raises(NotExistentError, match="a pk is a 64-bit integer"):
        gf.load_node(pk)


def test_a_statement_parameter_outside_64_bits_is_named() -> None:
    from graphflow.errors import QueryError

    with pytest.raises(QueryError, match=r"parameter \$x\[1\]\.a .* outside the 64-bit range"):
        gf.cypher("RETURN $x AS x", x=[1, {"a": 2**70}])


def test_forty_large_outputs_commit_in_bounded_groups_and_others_keep_writing() -> None:
    """Forty 1.2 MB outputs of one calculation (48 MB, three times ArcadeDB's 16 MiB Bolt
    message limit) used to hang ~14 minutes and then fail as "cannot reach the store",
    holding the write lock meanwhile (issue 21). They go in statements and groups below
    the limit; another write made meanwhile does not wait behind them for long."""
    import threading
    import time

    waited: list[float] = []

    def small_write_meanwhile() -> None:
        time.sleep(0.5)
        started = time.monotonic()
        gf.Int(1).store()
        waited.append(time.monotonic() - started)

    other = threading.Thread(target=small_write_meanwhile)
    other.start()
    started = time.monotonic()
    outputs, node = many_large_texts.run_get_node(gf.Int(40), gf.Int(1_200_000))
    took = time.monotonic() - started
    other.join()
    assert node.is_finished_ok
    assert len(outputs) == 40
    assert all(len(gf.load_node(out.pk).value) == 1_200_000 for out in outputs.values())
    assert took < 120, took  # minutes before
    assert len(waited) == 1
    assert waited[0] < 60, waited
