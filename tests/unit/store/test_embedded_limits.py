"""Where the embedded store cannot serve: no wheel of ``arcadedb-embedded`` for the platform
(graphflow installs without it, by an environment marker), or a second host sharing the
profile folder. Each time the error says to use Neo4j instead."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from graphflow.errors import StoreError
from graphflow.store import _embedded


def test_without_the_package_the_error_says_to_use_neo4j(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "arcadedb_embedded" else real(name, *a),
    )
    with pytest.raises(StoreError) as caught:
        _embedded._package_dir()
    message = str(caught.value)
    assert "'arcadedb-embedded' package, which is not installed" in message
    assert "graphflow profile setup NAME --store bolt://" in message


@pytest.mark.parametrize(
    ("platform", "machine", "wanted"),
    [
        ("linux", "x86_64", True),
        ("linux", "aarch64", True),
        ("darwin", "arm64", True),
        ("win32", "AMD64", True),
        ("darwin", "x86_64", False),  # no wheel: installed without the embedded store
        ("linux", "ppc64le", False),
        ("linux", "riscv64", False),
    ],
)
def test_the_dependency_is_asked_for_only_where_a_wheel_exists(
    platform: str, machine: str, wanted: bool
) -> None:
    pyproject = Path(__file__).resolve().parents[3] / "pyproject.toml"
    dependencies = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    (embedded,) = (Requirement(d) for d in dependencies if d.startswith("arcadedb-embedded"))
    assert embedded.marker is not None
    assert (
        embedded.marker.evaluate({"sys_platform": platform, "platform_machine": machine}) is wanted
    )


def test_a_second_host_is_refused_and_pointed_at_neo4j(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shared home: the folder's first host is recorded; another host starts nothing."""
    server = _embedded.EmbeddedServer(tmp_path / "store", password="x" * 16)
    monkeypatch.setattr(socket, "gethostname", lambda: "node-a")
    server.claim_host()
    server.claim_host()  # the same host again
    assert (tmp_path / "store" / "host").read_text() == "node-a\n"
    monkeypatch.setattr(socket, "gethostname", lambda: "node-b")
    with pytest.raises(StoreError, match="belongs to host 'node-a', not to this host 'node-b'"):
        asyncio.run(server.ensure_running())
    assert not (tmp_path / "store" / "server.json").exists()  # nothing was started
    with pytest.raises(StoreError, match="use a Neo4j profile"):
        server.claim_host()
