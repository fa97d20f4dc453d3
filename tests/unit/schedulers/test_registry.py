"""get_scheduler: built-in names, entry-point plugins, and the errors that name them."""

from __future__ import annotations

import importlib.metadata

import pytest

import graphflow.schedulers
from graphflow.errors import PluginError
from graphflow.schedulers import (
    ENTRY_POINT_GROUP,
    DirectScheduler,
    PbsProScheduler,
    Scheduler,
    SgeScheduler,
    SlurmScheduler,
    TorqueScheduler,
    get_scheduler,
)

BUILTINS = {
    "core.direct": DirectScheduler,
    "core.slurm": SlurmScheduler,
    "core.sge": SgeScheduler,
    "core.pbspro": PbsProScheduler,
    "core.torque": TorqueScheduler,
}


@pytest.mark.parametrize(("name", "cls"), BUILTINS.items())
def test_builtins(name, cls):
    scheduler = get_scheduler(name)
    assert isinstance(scheduler, cls)
    assert isinstance(scheduler, Scheduler)
    assert scheduler.name == name


def fake_entry_points(monkeypatch, *entries):
    points = importlib.metadata.EntryPoints(
        importlib.metadata.EntryPoint(name, value, ENTRY_POINT_GROUP) for name, value in entries
    )

    def entry_points(**selection):
        assert selection == {"group": ENTRY_POINT_GROUP}
        return points

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)


def test_unknown_name_lists_the_known_ones(monkeypatch):
    fake_entry_points(monkeypatch, ("acme.lsf", "acme:Lsf"))
    with pytest.raises(PluginError) as caught:
        get_scheduler("core.lsf")
    message = str(caught.value)
    assert "'core.lsf'" in message
    assert "acme.lsf, core.direct, core.pbspro, core.sge, core.slurm, core.torque" in message


def test_plugin_class_from_an_entry_point(monkeypatch):
    fake_entry_points(monkeypatch, ("acme.direct", "graphflow.schedulers._direct:DirectScheduler"))
    assert isinstance(get_scheduler("acme.direct"), DirectScheduler)


def test_builtins_cannot_be_shadowed(monkeypatch):
    fake_entry_points(monkeypatch, ("core.slurm", "graphflow.schedulers._direct:DirectScheduler"))
    assert isinstance(get_scheduler("core.slurm"), SlurmScheduler)


def test_plugin_that_fails_to_load(monkeypatch):
    fake_entry_points(monkeypatch, ("acme.broken", "acme_missing_module:Scheduler"))
    with pytest.raises(
        PluginError, match=r"'acme.broken' \(acme_missing_module:Scheduler\) failed"
    ) as caught:
        get_scheduler("acme.broken")
    assert isinstance(caught.value.__cause__, ModuleNotFoundError)


def test_plugin_that_is_not_a_scheduler(monkeypatch):
    fake_entry_points(monkeypatch, ("acme.bad", "collections:OrderedDict"))
    with pytest.raises(PluginError, match="does not implement the Scheduler protocol"):
        get_scheduler("acme.bad")


def test_ambiguous_plugin(monkeypatch):
    fake_entry_points(monkeypatch, ("acme.x", "a:X"), ("acme.x", "b:X"))
    with pytest.raises(PluginError, match=r"registered more than once .*: a:X, b:X"):
        get_scheduler("acme.x")


def test_public_names():
    for name in graphflow.schedulers.__all__:
        assert hasattr(graphflow.schedulers, name), name
    public = {name for name in vars(graphflow.schedulers) if not name.startswith("_")}
    assert public == set(graphflow.schedulers.__all__)
