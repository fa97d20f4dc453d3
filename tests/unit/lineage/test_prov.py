"""W3C PROV: the mapping of nodes and links, and round trips through the prov reader."""

from __future__ import annotations

import io

import prov
import pytest
from prov.model import (
    ProvActivity,
    ProvAssociation,
    ProvEntity,
    ProvGeneration,
    ProvInfluence,
    ProvStart,
    ProvUsage,
)

from graphflow.errors import ValidationError
from graphflow.lineage import Link, ProvenanceGraph
from graphflow.lineage._prov import PROV_FORMATS, prov_document, serialize


def records(document, kind) -> list:
    return [r for r in document.get_records() if isinstance(r, kind)]


def attr(record, name: str):
    values = [v for k, v in record.attributes if str(k) == name]
    return values[0] if len(values) == 1 else values


def test_data_are_entities_and_processes_activities(paper: ProvenanceGraph) -> None:
    document = prov_document(paper)
    every = records(document, ProvEntity)
    plans = [e for e in every if str(attr(e, "prov:type")) == "prov:Plan"]
    assert sorted(str(attr(p, "prov:label")) for p in plans) == [
        "examples:add",
        "examples:add_multiply",
        "examples:multiply",
    ]
    entities = {attr(e, "graphflow:pk"): e for e in every if e not in plans}
    assert sorted(entities) == [1, 2, 3, 6, 8]
    result = entities[8]
    assert str(result.identifier) == f"uuid:{paper.roots[0]}"
    assert str(attr(result, "prov:type")) == "graphflow:Int"
    assert attr(result, "prov:value") == 9
    activities = {attr(a, "graphflow:pk"): a for a in records(document, ProvActivity)}
    assert sorted(activities) == [4, 5, 7]
    add = activities[5]
    assert str(attr(add, "prov:type")) == "graphflow:CalcFunction"
    assert attr(add, "graphflow:process_state") == "finished"
    assert add.get_startTime() is not None
    assert add.get_endTime() is not None


def test_links_map_to_prov_relations(paper: ProvenanceGraph) -> None:
    document = prov_document(paper)
    uses = records(document, ProvUsage)
    assert len(uses) == 7
    assert sorted(attr(u, "prov:role") for u in uses) == ["a", "a", "b", "b", "x", "y", "z"]
    generations = records(document, ProvGeneration)
    assert [attr(g, "prov:role") for g in generations] == ["result", "result"]
    assert all(g.get_attribute("prov:time") for g in generations)
    (influence,) = records(document, ProvInfluence)  # RETURN: not a second generation
    assert str(attr(influence, "prov:type")) == "graphflow:RETURN"
    starts = records(document, ProvStart)  # CALL: the workflow starts its calculations
    assert len(starts) == 2
    workflow = f"uuid:{next(u for u, n in paper.nodes.items() if n.pk == 4)}"
    assert {str(next(iter(s.get_attribute("prov:starter")))) for s in starts} == {workflow}
    assert len(records(document, ProvAssociation)) == 3


@pytest.mark.parametrize("fmt", PROV_FORMATS)
def test_every_format_reads_back_equal(paper: ProvenanceGraph, fmt: str) -> None:
    document = prov_document(paper)
    text = serialize(document, fmt)
    source = io.BytesIO(text.encode()) if fmt == "xml" else io.StringIO(text)
    assert prov.read(source, format=fmt) == document


def test_a_link_type_without_mapping_is_refused(paper: ProvenanceGraph) -> None:
    first, second = list(paper.nodes)[:2]
    graph = ProvenanceGraph(dict(paper.nodes), [Link(first, second, "KNOWS", "x")])
    with pytest.raises(ValidationError, match="link type 'KNOWS' has no PROV mapping"):
        prov_document(graph)
