"""Provenance times (issue 23, item 16): ``mtime`` changes with every change of a node.

A process node's ``mtime`` moves with its state, checkpoint, exit status and paused flag,
so a finished workflow's ``mtime`` is when it ended — after its children ended — and the
W3C PROV export gives every activity a real duration.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

import graphflow as gf
from graphflow.lineage import provenance_graph
from graphflow.lineage._prov import prov_document

pytestmark = pytest.mark.usefixtures("backend")


class Slow(gf.WorkChain):
    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.outline(cls.first, cls.second)

    def first(self) -> None:
        time.sleep(0.05)

    def second(self) -> None:
        time.sleep(0.05)


class Outer(gf.WorkChain):
    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.outline(cls.launch, cls.after)

    def launch(self) -> Any:
        return gf.ToContext(child=self.submit(Slow))

    def after(self) -> None:
        time.sleep(0.05)


def test_a_process_node_mtime_is_when_it_last_changed() -> None:
    _, node = gf.run_get_node(Outer)

    stored = gf.load_node(node.pk)
    child = stored.called[0]
    assert stored.mtime > stored.ctime
    assert child.mtime > child.ctime
    assert (child.mtime - child.ctime).total_seconds() >= 0.1  # two 50 ms steps
    assert stored.mtime >= child.mtime  # the parent ended after its child
    assert node.mtime == stored.mtime  # the runner's node says what the store says


def test_prov_activities_last_from_creation_to_their_end() -> None:
    _, node = gf.run_get_node(Outer)

    document = prov_document(provenance_graph(node, descendant_depth=None, links="all"))
    durations = [
        (record.get_endTime() - record.get_startTime()).total_seconds()
        for record in document.get_records()
        if record.get_type().localpart == "Activity"
    ]
    assert len(durations) == 2
    assert min(durations) >= 0.1
