"""``node.inputs`` and ``node.outputs`` for a label that is not there, as AiiDA 2.x's
link managers: item access raises a ``KeyError``, attribute access an ``AttributeError``,
both also graphflow's ``NotExistentError`` (AiiDA's ``NotExistentKeyError`` and
``NotExistentAttributeError``), so ``getattr(..., default)``, ``hasattr``, ``in`` and
``except KeyError`` work as they do there. Built from unstored nodes: no store needed."""

from __future__ import annotations

import pytest

from graphflow.errors import NotExistentAttributeError, NotExistentError, NotExistentKeyError
from graphflow.orm import CalcFunctionNode, Int, LinkManager


def outputs() -> LinkManager:
    """Outputs of a calculation: a plain label, a nested namespace two levels deep, and
    labels that are also the names of a mapping's methods."""
    node = CalcFunctionNode(process_type="t", process_label="calc")
    node._mark_stored(17, None)  # type: ignore[arg-type]
    links = {
        "sum": Int(1),
        "nested__inner__x": Int(2),
        "nested__y": Int(3),
        "keys": Int(4),
        "items": Int(5),
        "get": Int(6),
    }
    return LinkManager(links, node._ident(), "output")


def test_a_missing_label_by_item_is_a_key_error_and_not_existent() -> None:
    manager = outputs()
    with pytest.raises(KeyError) as caught:
        manager["missing"]
    assert isinstance(caught.value, NotExistentError)
    assert isinstance(caught.value, NotExistentKeyError)
    message = str(caught.value)
    assert "CalcFunction node pk 17" in message
    assert "output" in message
    assert "'missing'" in message
    assert "['get', 'items', 'keys', 'nested', 'sum']" in message


def test_a_missing_label_by_attribute_is_an_attribute_error_and_not_existent() -> None:
    manager = outputs()
    with pytest.raises(AttributeError) as caught:
        _ = manager.missing
    assert isinstance(caught.value, NotExistentError)
    assert isinstance(caught.value, NotExistentAttributeError)
    assert not isinstance(caught.value, KeyError)  # hasattr/getattr only catch AttributeError
    assert "'missing'" in str(caught.value)
    assert "CalcFunction node pk 17" in str(caught.value)


def test_getattr_with_a_default_hasattr_and_in_work_as_in_aiida() -> None:
    manager = outputs()
    sentinel = object()
    assert getattr(manager, "missing", sentinel) is sentinel
    assert getattr(manager.nested, "missing", sentinel) is sentinel
    assert not hasattr(manager, "missing")
    assert hasattr(manager, "sum")
    assert "sum" in manager
    assert "nested" in manager
    assert "missing" not in manager
    assert 5 not in manager  # not a label, and not an error either


def test_a_missing_label_inside_a_namespace_names_the_whole_path() -> None:
    manager = outputs()
    with pytest.raises(KeyError) as by_item:
        manager["nested"]["missing"]
    assert "'nested.missing'" in str(by_item.value)
    assert "['inner', 'y']" in str(by_item.value)
    with pytest.raises(AttributeError, match=r"'nested\.inner\.nope'") as by_attribute:
        _ = manager.nested.inner.nope
    assert isinstance(by_attribute.value, NotExistentError)
    with pytest.raises(KeyError, match=r"'nested\.nope\.x'"):
        manager["nested.nope.x"]


def test_a_leaf_is_not_a_namespace() -> None:
    """``sum`` is a node: ``sum.x`` names nothing, and is refused as missing, not as an
    attribute error of the Int node."""
    with pytest.raises(NotExistentKeyError, match=r"'sum\.x'"):
        outputs()["sum.x"]


def test_labels_that_are_method_names_are_reached_by_item() -> None:
    manager = outputs()
    assert manager["keys"].value == 4
    assert manager["items"].value == 5
    assert manager["get"].value == 6
    assert "keys" in manager
    assert manager.get("get").value == 6  # type: ignore[union-attr]
    assert manager.nested.y.value == 3
    assert manager["nested.inner.x"].value == 2


def test_a_non_string_label_is_missing_not_a_crash() -> None:
    with pytest.raises(NotExistentKeyError):
        outputs()[5]  # type: ignore[index]


def test_inputs_say_input() -> None:
    node = CalcFunctionNode(process_type="t", process_label="calc")
    manager = LinkManager({"a": Int(1)}, node._ident(), "input")
    with pytest.raises(NotExistentKeyError, match=r"no input with link label 'b'"):
        manager["b"]
