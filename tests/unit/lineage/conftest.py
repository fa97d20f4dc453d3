"""In-memory provenance graphs for the lineage unit tests (no store: nodes are rebuilt
from the properties the store would return)."""

from __future__ import annotations

import datetime
import uuid as uuid_module
from typing import Any

import pytest

from graphflow.lineage import Link, ProvenanceGraph
from graphflow.orm import Node, node_from_record

T0 = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


def stored(pk: int, node_type: str, **props: Any) -> Node:
    """A node as loaded from the store (stored, with a pk), without a store."""
    record = {
        "uuid": str(uuid_module.UUID(int=pk)),
        "pk": pk,
        "ctime": T0 + datetime.timedelta(seconds=pk),
        "mtime": T0 + datetime.timedelta(seconds=pk),
        "label": "",
        "description": "",
        "node_type": node_type,
        "attributes": "{}",
        "extras": "{}",
        **props,
    }
    return node_from_record(record)


def integer(pk: int, value: int) -> Node:
    return stored(pk, "core.int", value=value, attributes=f'{{"value":{value}}}')


def process(pk: int, node_type: str, label: str, state: str = "finished", status: int = 0) -> Node:
    return stored(
        pk,
        node_type,
        process_type=f"examples:{label}",
        process_label=label,
        process_state=state,
        exit_status=status,
    )


def listing8() -> ProvenanceGraph:
    """The graph of add_multiply(1, 2, 3) with every link type, around the result (pk 8)."""
    nodes = [
        integer(1, 1),
        integer(2, 2),
        integer(3, 3),
        process(4, "process.workfunction", "add_multiply"),
        process(5, "process.calcfunction", "add"),
        integer(6, 3),
        process(7, "process.calcfunction", "multiply"),
        integer(8, 9),
    ]
    u = {node.pk: node.uuid for node in nodes}
    links = [
        Link(u[1], u[4], "INPUT", "x"),
        Link(u[2], u[4], "INPUT", "y"),
        Link(u[3], u[4], "INPUT", "z"),
        Link(u[4], u[5], "CALL", "CALL"),
        Link(u[4], u[7], "CALL", "CALL"),
        Link(u[1], u[5], "INPUT", "a"),
        Link(u[2], u[5], "INPUT", "b"),
        Link(u[5], u[6], "CREATE", "result"),
        Link(u[6], u[7], "INPUT", "a"),
        Link(u[3], u[7], "INPUT", "b"),
        Link(u[7], u[8], "CREATE", "result"),
        Link(u[4], u[8], "RETURN", "result"),
    ]
    return ProvenanceGraph({n.uuid: n for n in nodes}, links, [u[8]])


@pytest.fixture
def paper() -> ProvenanceGraph:
    return listing8()


@pytest.fixture
def make() -> Any:
    """Node factories: ``make.integer(pk, value)``, ``make.process(pk, type, label, ...)``."""
    from types import SimpleNamespace

    return SimpleNamespace(integer=integer, process=process, stored=stored)
