"""Which servers graphflow refuses by the version they announce."""

from __future__ import annotations

import pytest

from graphflow.store._client import neo4j_too_old


@pytest.mark.parametrize("agent", ["Neo4j/5.23.0", "Neo4j/5.26.30", "Neo4j/2025.10.1"])
def test_new_enough_neo4j_is_used(agent: str) -> None:
    assert neo4j_too_old(agent) is None


@pytest.mark.parametrize("agent", ["Neo4j/5.22.0", "Neo4j/4.4.40", "Neo4j/5.1"])
def test_older_neo4j_is_refused_naming_both_versions(agent: str) -> None:
    problem = neo4j_too_old(agent)
    assert problem is not None
    assert agent.split("/")[1] in problem
    assert "5.23 or newer" in problem


@pytest.mark.parametrize("agent", ["ArcadeDB/25.1", "Neo4j/", "Neo4j/dev", "", "Memgraph/2.0"])
def test_other_or_unreadable_agents_are_left_to_the_statements(agent: str) -> None:
    assert neo4j_too_old(agent) is None
