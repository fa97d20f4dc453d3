"""Notebook features without the jupyter extra say which extra to install."""

from __future__ import annotations

import sys

import pytest

from graphflow.errors import MissingExtraError
from graphflow.lineage._extras import jupyter_module
from graphflow.lineage._result import result_frame
from graphflow.store import QueryResult


def test_a_missing_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if it were not installed
    with pytest.raises(MissingExtraError, match=r"'pandas'.*pip install 'graphflow\[jupyter\]'"):
        result_frame(QueryResult(["n"], [{"n": 1}]))


def test_an_installed_package_is_returned() -> None:
    assert jupyter_module("json", "a test").dumps([1]) == "[1]"
