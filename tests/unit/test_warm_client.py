"""Which command lines the ``graphflow`` command hands to its command server.

The server itself is tested for real in tests/integration/cli/test_cli_warm.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from graphflow.cli import _warm_client
from graphflow.cli._warm_client import SERVED, run_warm, socket_path

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    ("argv", "verb"),
    [
        (["node", "graph", "5", "-o", "g.svg"], ("node", "graph")),
        (["-p", "lab", "node", "show", "5"], ("node", "show")),
        (["--profile", "lab", "export", "prov", "5"], ("export", "prov")),
        (["--profile=lab", "process", "list"], ("process", "list")),
        (["-plab", "process", "report", "7"], ("process", "report")),
        (["process"], ("process", "")),
        (["--help"], None),
        (["--version"], None),
        ([], None),
    ],
)
def test_the_verb_is_found_past_the_groups_profile_option(
    argv: list[str], verb: tuple[str, str] | None
) -> None:
    assert _warm_client._verb(argv) == verb


def test_only_read_only_commands_that_never_prompt_are_served() -> None:
    assert ("node", "graph") in SERVED
    for verb in [("process", "kill"), ("shell", ""), ("run", "x.py"), ("daemon", "start")]:
        assert verb not in SERVED


@pytest.mark.parametrize("switch", ["0", "off", "no", "false", " OFF "])
def test_the_switch_turns_the_fast_path_off(
    switch: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GRAPHFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("GRAPHFLOW_CLI_SERVER", switch)
    assert run_warm(["node", "show", "1"]) is None
    assert not (tmp_path / "run").exists()  # no server was started either


def test_commands_not_served_start_no_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GRAPHFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("GRAPHFLOW_CLI_SERVER", "1")
    assert run_warm(["process", "kill", "1"]) is None
    assert not (tmp_path / "run").exists()


def test_a_home_too_deep_for_a_unix_socket_gets_no_fast_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GRAPHFLOW_HOME", str(tmp_path / ("d" * 120)))
    assert socket_path() is None


def test_each_interpreter_and_pythonpath_gets_its_own_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GRAPHFLOW_HOME", str(tmp_path))
    monkeypatch.delenv("PYTHONPATH", raising=False)
    plain = socket_path()
    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")
    assert socket_path() != plain
    assert plain is not None
    assert plain.parent == tmp_path / "run"
