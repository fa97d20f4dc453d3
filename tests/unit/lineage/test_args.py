"""Bad arguments to lineage functions are refused with the argument and value named."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from graphflow.errors import ValidationError
from graphflow.lineage._args import check_depth, check_limit, check_links, check_nodes
from graphflow.orm import Int

if TYPE_CHECKING:
    from graphflow.lineage._graph import ProvenanceGraph


@pytest.mark.parametrize("depth", [0, -1, 1.5, True, "2", [1]])
def test_a_depth_must_be_a_positive_integer(depth: object) -> None:
    with pytest.raises(ValidationError, match=r"ancestor_depth must be a positive integer") as err:
        check_depth(depth, "ancestor_depth")
    assert repr(depth) in str(err.value)


def test_depth_zero_means_none_where_allowed() -> None:
    assert check_depth(0, zero=True) == 0
    assert check_depth(None) is None
    assert check_depth(3) == 3
    with pytest.raises(ValidationError, match="a positive integer, 0 or None, got -2"):
        check_depth(-2, zero=True)


@pytest.mark.parametrize("links", ["Data", "", None, "everything", 3])
def test_links_must_be_one_of_the_three_modes(links: object) -> None:
    with pytest.raises(ValidationError, match=r"links must be one of data, logic, all; got"):
        check_links(links)


def test_the_three_modes_pass() -> None:
    assert [check_links(m) for m in ("data", "logic", "all")] == ["data", "logic", "all"]


@pytest.mark.parametrize("limit", [0, -5, 2.0, False, 2**31])
def test_a_limit_must_be_a_positive_integer(limit: object) -> None:
    with pytest.raises(ValidationError, match="max_nodes must be a positive integer"):
        check_limit(limit)


def test_nodes_must_be_stored_nodes(paper: ProvenanceGraph) -> None:
    with pytest.raises(ValidationError, match="is not stored, so it has no provenance"):
        check_nodes(Int(3))
    with pytest.raises(ValidationError, match=r"'8' is not a node .*load_node"):
        check_nodes(["8"])
    with pytest.raises(ValidationError, match="must be a stored node or a list"):
        check_nodes("8")
    with pytest.raises(ValidationError, match="nodes is empty"):
        check_nodes([])


def test_nodes_are_deduplicated_by_uuid_not_by_value(paper: ProvenanceGraph) -> None:
    three, six = (n for n in paper.nodes.values() if n.pk in (3, 6))
    assert three == six  # base types compare by value ...
    assert check_nodes([three, six, three]) == [three, six]  # ... but are different nodes
