"""Values kept out of the provenance graph (issue 23, items 7 and 8), on the real store.

A dynamic ``non_db`` namespace takes plain Python values; its ports, declared or not, are
neither stored nor linked, unless a port inside says ``non_db=False``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

import graphflow as gf

pytestmark = pytest.mark.usefixtures("backend")


class Configured(gf.WorkChain):
    seen: ClassVar[dict[str, Any]] = {}

    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.input_namespace("settings", dynamic=True, non_db=True, required=False)
        spec.input("settings.kept", valid_type=gf.Int, required=False, non_db=False)
        spec.outline(cls.look)

    def look(self) -> None:
        Configured.seen = dict(self.inputs.settings)


def test_plain_values_in_a_dynamic_non_db_namespace_are_taken_and_not_linked() -> None:
    settings = {"retries": 3, "mode": "fast", "nested": {"a": [1, 2]}, "kept": gf.Int(7)}
    _, node = gf.run_get_node(Configured, settings=settings)

    assert node.is_finished_ok, node.exit_message
    assert Configured.seen["retries"] == 3
    assert Configured.seen["nested"] == {"a": [1, 2]}
    rows = gf.cypher(
        "MATCH (d)-[l:INPUT]->(:WorkChain {uuid: $u}) RETURN l.label AS label", u=node.uuid
    )
    assert [r["label"] for r in rows] == ["settings__kept"]


class Optional(gf.WorkChain):
    seen: ClassVar[dict[str, Any]] = {}

    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.input("x", valid_type=gf.Int, required=False)
        spec.input("y", valid_type=gf.Int, required=False, default=lambda: gf.Int(3))
        spec.outline(cls.look)

    def look(self) -> None:
        Optional.seen = {
            "x": self.inputs.get("x", "absent"),
            "y": self.inputs.y.value if isinstance(self.inputs.y, gf.Int) else self.inputs.y,
        }


def test_an_optional_input_given_as_none_is_kept_as_none() -> None:
    _, node = gf.run_get_node(Optional, x=None, y=None)

    assert node.is_finished_ok, node.exit_message
    assert Optional.seen == {"x": None, "y": None}  # given as None: kept, no default
    assert len(node.inputs) == 0  # None is not a node: nothing is linked

    gf.run(Optional)
    assert Optional.seen == {"x": "absent", "y": 3}  # not given: absent, or the default
