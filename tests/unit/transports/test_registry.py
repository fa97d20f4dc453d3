"""get_transport_class: built-in names, entry-point plugins, and the errors that name them."""

from __future__ import annotations

import importlib.metadata

import pytest

import graphflow.transports
from graphflow.errors import PluginError
from graphflow.transports import (
    ENTRY_POINT_GROUP,
    LocalTransport,
    SshTransport,
    Transport,
    get_transport_class,
)


@pytest.mark.parametrize(
    ("name", "cls"), [("core.local", LocalTransport), ("core.ssh", SshTransport)]
)
def test_builtins(name, cls):
    assert get_transport_class(name) is cls


def test_builtins_are_registered_as_entry_points_too():
    registered = {
        entry_point.name: entry_point.value
        for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
    }
    assert registered["core.local"] == "graphflow.transports:LocalTransport"
    assert registered["core.ssh"] == "graphflow.transports:SshTransport"


def test_built_transports_implement_the_protocol():
    local = get_transport_class("core.local").from_config({})
    ssh = get_transport_class("core.ssh").from_config({"host": "example.org"})
    assert isinstance(local, Transport)
    assert isinstance(ssh, Transport)


def fake_entry_points(monkeypatch, *entries):
    points = importlib.metadata.EntryPoints(
        importlib.metadata.EntryPoint(name, value, ENTRY_POINT_GROUP) for name, value in entries
    )

    def entry_points(**selection):
        assert selection == {"group": ENTRY_POINT_GROUP}
        return points

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)


def test_unknown_name_lists_the_known_ones(monkeypatch):
    fake_entry_points(monkeypatch, ("acme.gsissh", "acme:Gsissh"))
    with pytest.raises(PluginError) as caught:
        get_transport_class("core.rsh")
    assert "'core.rsh'" in str(caught.value)
    assert "acme.gsissh, core.local, core.ssh" in str(caught.value)


def test_plugin_from_an_entry_point(monkeypatch):
    fake_entry_points(monkeypatch, ("acme.local", "graphflow.transports:LocalTransport"))
    assert get_transport_class("acme.local") is LocalTransport


def test_plugin_that_fails_to_load(monkeypatch):
    fake_entry_points(monkeypatch, ("acme.x", "no_such_module_here:X"))
    with pytest.raises(PluginError, match=r"'acme.x' \(no_such_module_here:X\) failed to load"):
        get_transport_class("acme.x")


def test_plugin_without_from_config(monkeypatch):
    fake_entry_points(monkeypatch, ("acme.bad", "collections:OrderedDict"))
    with pytest.raises(PluginError, match="has no from_config"):
        get_transport_class("acme.bad")


def test_ambiguous_plugin(monkeypatch):
    fake_entry_points(monkeypatch, ("acme.x", "a:X"), ("acme.x", "b:X"))
    with pytest.raises(PluginError, match=r"registered more than once .*: a:X, b:X"):
        get_transport_class("acme.x")


def test_public_names():
    for name in graphflow.transports.__all__:
        assert hasattr(graphflow.transports, name), name
    public = {name for name in vars(graphflow.transports) if not name.startswith("_")}
    assert public == set(graphflow.transports.__all__)
