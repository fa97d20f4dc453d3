"""WriteBatch merging and statement splitting (no store needed)."""

from __future__ import annotations

import pytest

from graphflow.errors import StoreError
from graphflow.store import WriteBatch, _writer


def test_extend_keeps_order_and_merges_updates() -> None:
    first = WriteBatch()
    first.create("Int", {"uuid": "a", "pk": 1})
    first.update("p", {"process_state": "running", "checkpoint": "x"})
    first.link("INPUT", "a", "p", "x")
    second = WriteBatch()
    second.create("Int", {"uuid": "b", "pk": 2})
    second.update("p", {"process_state": "finished", "checkpoint": None})
    second.add_log({"uuid": "l1", "message": "hi"})
    first.extend(second)
    assert [r["uuid"] for r in first.creates["Int"]] == ["a", "b"]
    assert first.updates["p"] == {"process_state": "finished", "checkpoint": None}
    assert first.row_count == 2 + 1 + 1 + 1
    assert first.first_created_uuid() == "a"


def test_update_of_a_new_node_is_folded_into_its_row() -> None:
    batch = WriteBatch()
    batch.create(
        "CalcFunction", {"uuid": "p", "pk": 1, "process_state": "created", "checkpoint": "c"}
    )
    batch.update("p", {"process_state": "finished", "checkpoint": None})
    assert batch.updates == {}
    assert batch.creates["CalcFunction"] == [{"uuid": "p", "pk": 1, "process_state": "finished"}]


def test_unknown_label_combination_is_refused() -> None:
    with pytest.raises(StoreError, match="no node label combination 'Nope'"):
        WriteBatch().create("Nope", {"uuid": "x"})


def test_empty_batch_is_falsy() -> None:
    assert not WriteBatch()
    batch = WriteBatch()
    batch.add_log({"uuid": "x"})
    assert batch
    assert batch.first_created_uuid() is None


def test_large_batches_split_with_nodes_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_writer, "STORE_BATCH_SIZE", 3)
    batch = WriteBatch()
    for i in range(4):
        batch.create("Int", {"uuid": f"n{i}", "pk": i})
    batch.link("INPUT", "n0", "n1", "x")
    batch.link("INPUT", "n2", "n3", "y")
    statements = list(batch.statements())
    assert [len(s["nodes_Int"]) for s in statements] == [3, 1]
    assert [len(s["links_INPUT"]) for s in statements] == [0, 2]
    flat_nodes = [row["uuid"] for s in statements for row in s["nodes_Int"]]
    flat_links = [row["label"] for s in statements for row in s["links_INPUT"]]
    assert flat_nodes == ["n0", "n1", "n2", "n3"]
    assert flat_links == ["x", "y"]
    first_link_statement = next(i for i, s in enumerate(statements) if s["links_INPUT"])
    last_node_statement = max(i for i, s in enumerate(statements) if s["nodes_Int"])
    assert first_link_statement >= last_node_statement
