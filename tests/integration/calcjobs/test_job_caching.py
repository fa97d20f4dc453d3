"""Caching of calculation jobs (issue 26, item 2): a job whose hash matches a finished one
is not uploaded, submitted or parsed; it gets copies of that job's outputs. Its options
count, except those that only say how it queues (as in AiiDA)."""

from __future__ import annotations

import random
from typing import Any

import pytest

import graphflow as gf
from graphflow import CalculationFactory, Int

from ._drive import reports

pytestmark = pytest.mark.usefixtures("backend")

Add = CalculationFactory("core.arithmetic.add")


def numbers() -> tuple[int, int]:
    return random.randrange(10**9, 10**12), random.randrange(10**9, 10**12)


def run(code: Any, x: int, y: int, **options: Any) -> tuple[Any, Any]:
    metadata = {"options": options} if options else {}
    return gf.run_get_node(Add, code=code, x=Int(x), y=Int(y), metadata=metadata)


def test_a_second_identical_job_is_served_from_the_cache(local_bash: Any) -> None:
    x, y = numbers()
    with gf.enable_caching(identifier=Add):
        made, first = run(local_bash, x, y)
        copied, second = run(local_bash, x, y)
    assert first.is_finished_ok
    assert second.is_finished_ok
    assert second.get_cache_source() == first.uuid
    assert copied["sum"] == made["sum"] == x + y
    assert set(copied) == {"sum", "retrieved", "remote_folder"}
    assert {copied[k].uuid for k in copied}.isdisjoint(made[k].uuid for k in made)
    # it never reached the computer, but it names it, as its source does
    assert second.computer_label == first.computer_label
    assert second.job_id is None
    assert second.remote_workdir is None
    assert "submitted job" not in reports(second)
    assert copied["retrieved"].list_object_names() == made["retrieved"].list_object_names()
    rows = gf.cypher(
        "MATCH (c:CalcJob {uuid: $u})-[l:CREATE]->(d:Data) RETURN l.label AS label",
        u=second.uuid,
    )
    assert {r["label"] for r in rows} == {"sum", "retrieved", "remote_folder"}


def test_how_it_queues_does_not_count_what_it_runs_does(local_bash: Any) -> None:
    x, y = numbers()
    with gf.enable_caching(identifier=Add):
        first = run(local_bash, x, y, max_wallclock_seconds=600)[1]
        queued_otherwise = run(local_bash, x, y, max_wallclock_seconds=1200)[1]
        runs_otherwise = run(local_bash, x, y, max_wallclock_seconds=600, prepend_text="true")[1]
    assert queued_otherwise.get_cache_source() == first.uuid
    assert not runs_otherwise.is_created_from_cache
    assert runs_otherwise.job_id is not None
    assert first.attributes["options"]["prepend_text"] == ""


def test_without_caching_the_job_runs_and_is_hashed_as_a_source(local_bash: Any) -> None:
    x, y = numbers()
    first = run(local_bash, x, y)[1]
    second = run(local_bash, x, y)[1]
    assert second.job_id is not None
    assert first.get_hash() == second.get_hash() is not None
    (row,) = gf.cypher("MATCH (c:CalcJob {uuid: $u}) RETURN c.hash AS h", u=first.uuid)
    assert row["h"] == first.get_hash()
