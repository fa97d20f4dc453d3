"""The provenance link rules, with unstored nodes (no store needed)."""

from __future__ import annotations

import pytest

from graphflow.errors import LinkRuleError
from graphflow.orm import CalcFunctionNode, Int, WorkChainNode, WorkFunctionNode, check_link
from graphflow.types import LinkType


def calc() -> CalcFunctionNode:
    return CalcFunctionNode(process_type="t", process_label="add")


def work() -> WorkFunctionNode:
    return WorkFunctionNode(process_type="t", process_label="wf")


def stored_int() -> Int:
    node = Int(1)
    node._mark_stored(5, None)  # type: ignore[arg-type]
    return node


def test_legal_links() -> None:
    check_link(LinkType.INPUT, Int(1), calc(), "a")
    check_link(LinkType.CREATE, calc(), Int(1), "result")
    check_link(LinkType.RETURN, work(), stored_int(), "result")
    check_link(LinkType.CALL, work(), calc(), "CALL")
    check_link(LinkType.CALL, WorkChainNode(process_type="t", process_label="w"), work(), "x")


@pytest.mark.parametrize(
    ("link_type", "source", "target", "rule"),
    [
        (LinkType.CALL, calc, calc, "a calculation never calls"),
        (LinkType.CREATE, work, lambda: Int(1), "only calculations create data"),
        (LinkType.RETURN, calc, stored_int, "only workflows return data"),
        (LinkType.RETURN, work, lambda: Int(1), "only return data that already exists"),
        (LinkType.CREATE, calc, stored_int, "can only create new data"),
        (LinkType.INPUT, calc, calc, "from a data node to a process node"),
    ],
)
def test_refusals_name_rule_and_nodes(link_type, source, target, rule) -> None:
    src, dst = source(), target()
    with pytest.raises(LinkRuleError) as info:
        check_link(link_type, src, dst, "label")
    message = str(info.value)
    assert rule in message
    assert src._ident() in message
    assert dst._ident() in message


def test_bad_label() -> None:
    with pytest.raises(LinkRuleError, match="not valid"):
        check_link(LinkType.INPUT, Int(1), calc(), "has space")
