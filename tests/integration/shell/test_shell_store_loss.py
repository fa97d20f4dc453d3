"""A store that cannot be reached: a clear message, the session kept, and back to work
when the store answers again.

The shells here use profiles that reach a server by URI, as a Neo4j user's do: nobody
restarts that server for them. One points at the suite's own server, which the test
freezes (SIGSTOP) and thaws (SIGCONT) — a hung host or a cut network, and then the same
server back at the same address. The other points at a port where nothing listens.
"""

from __future__ import annotations

import json
import os
import signal
import socket
from typing import TYPE_CHECKING

import pytest

from graphflow import config

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Shell

pytestmark = [pytest.mark.usefixtures("backend"), pytest.mark.arcadedb_only]


def setup_profile(home: Path, name: str, uri: str) -> None:
    """A profile on ``uri`` as the embedded server's root user, made without the check
    `graphflow profile setup` does (which creates nothing when the URI does not answer):
    the store goes away after set-up here."""
    password = home / "profiles" / "default" / "store" / "password"
    config.setup_profile(
        name, store_uri=uri, user="root", password_file=password, database="graphflow"
    )


def server(home: Path) -> dict[str, int]:
    info: dict[str, int] = json.loads(
        (home / "profiles" / "default" / "store" / "server.json").read_text()
    )
    return info


def test_a_hung_store_is_a_clear_message_and_work_goes_on_when_it_is_back(
    shell: type[Shell], graphflow_home: Path
) -> None:
    info = server(graphflow_home)
    uri = f"bolt://127.0.0.1:{info['bolt_port']}"
    setup_profile(graphflow_home, "shell-by-uri", uri)
    session = shell("-p", "shell-by-uri")
    session.run(":param kept => 'state'", until=r"\$kept = 'state'")
    session.run("RETURN 'up' AS store;", until="1 row")
    os.kill(info["pid"], signal.SIGSTOP)
    try:
        out = session.run("RETURN 'away' AS store;", until="reconnects when the store is back")
        assert f"cannot reach the graph store at {uri}" in out
        session.expect_drawn("store unreachable, retrying")  # the toolbar says so meanwhile
    finally:
        os.kill(info["pid"], signal.SIGCONT)
    out = session.run("RETURN $kept AS back;", until="1 row")
    assert "state" in out  # the parameter survived the outage
    session.close()


def test_a_store_that_refuses_connections_never_blocks_the_prompt(
    shell: type[Shell], graphflow_home: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free now, and nothing will listen there
    uri = f"bolt://127.0.0.1:{port}"
    setup_profile(graphflow_home, "shell-nowhere", uri)
    session = shell("-p", "shell-nowhere")  # the prompt comes, though nothing answers
    session.expect_drawn("store unreachable, retrying")
    out = session.run("RETURN 1 AS one;", until="reconnects when the store is back")
    assert f"cannot reach the graph store at {uri}: Connection refused" in out
    assert ":ancestors PK" in session.run(":help ancestors", until="nearest first")
    session.close()
