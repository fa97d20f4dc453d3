"""``node.inputs``/``node.outputs`` of processes read back from the real store, for labels
that are there and labels that are not, as AiiDA 2.x's link managers behave."""

from __future__ import annotations

import pytest

import graphflow as gf
from graphflow.errors import NotExistentError
from graphflow.orm import ProcessNode

pytestmark = pytest.mark.usefixtures("backend")


@gf.calcfunction
def spread(x: gf.Int, **extra: gf.Int) -> dict[str, object]:
    """Nested outputs, and outputs whose labels are a mapping's method names."""
    return {
        "total": gf.Int(x.value + sum(n.value for n in extra.values())),
        "nested": {"deeper": {"x": gf.Int(x.value)}, "y": gf.Int(2)},
        "keys": gf.Int(3),
        "items": gf.Int(4),
        "get": gf.Int(5),
    }


def test_missing_outputs_and_inputs_of_a_stored_process_are_aiida_errors() -> None:
    _, node = spread.run_get_node(gf.Int(1), values=gf.Int(10))
    node = gf.load_node(node.pk)  # read back: the links come from the store
    assert isinstance(node, ProcessNode)

    with pytest.raises(KeyError) as by_item:
        node.outputs["missing"]
    assert isinstance(by_item.value, NotExistentError)
    assert f"pk {node.pk}" in str(by_item.value)
    assert "output with link label 'missing'" in str(by_item.value)

    with pytest.raises(AttributeError) as by_attribute:
        _ = node.inputs.missing
    assert isinstance(by_attribute.value, NotExistentError)
    assert "input with link label 'missing'" in str(by_attribute.value)
    assert "['values', 'x']" in str(by_attribute.value)

    assert getattr(node.outputs, "missing", None) is None
    assert getattr(node.outputs.nested.deeper, "missing", None) is None
    assert not hasattr(node.outputs.nested, "deeper_x")
    assert "total" in node.outputs
    assert "missing" not in node.outputs
    with pytest.raises(KeyError, match=r"'nested\.deeper\.z'"):
        node.outputs["nested.deeper.z"]


def test_outputs_named_like_methods_and_nested_outputs_read_back() -> None:
    _, node = spread.run_get_node(gf.Int(1))
    node = gf.load_node(node.pk)
    assert isinstance(node, ProcessNode)
    assert node.outputs.total.value == 1
    assert node.outputs.nested.deeper.x.value == 1
    assert node.outputs["nested.y"].value == 2
    assert node.outputs["nested"]["deeper"]["x"].value == 1
    assert [node.outputs[label].value for label in ("keys", "items", "get")] == [3, 4, 5]
    assert set(node.outputs) == {"total", "nested", "keys", "items", "get"}
