"""Which graph store a benchmark's graphflow side runs on: the embedded ArcadeDB (the
default), or a real Neo4j 5.26 Community server.

For ``--store neo4j`` the benchmark starts the server the test suite uses (the launcher in
``scripts/neo4j/``, its jars cached by ``scripts/neo4j/install.sh``; default settings, on
a free loopback port, authentication on) with its data in a new folder, and makes the
benchmark's fresh ``GRAPHFLOW_HOME`` hold one default profile on it. So the figures are
for a Neo4j on the same machine, reached over loopback Bolt: the same path a user's Neo4j
profile takes, without a network between them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = Path(__file__).resolve().parents[1]
STORES = ("arcadedb", "neo4j")


@contextlib.contextmanager
def default_profile(store: str, *, broker: str | None = None) -> Iterator[dict[str, Any]]:
    """Make the default profile of ``GRAPHFLOW_HOME`` (which must be new) use ``store``;
    yield what to record about the store; stop a server started here at the end."""
    from graphflow import config

    if store == "arcadedb":
        if "default" not in config.load_config().profiles:  # a --home of an earlier run
            config.setup_profile("default", broker=broker, set_default=True)
        yield {"store": "arcadedb (embedded)"}
        return
    if store != "neo4j":
        raise ValueError(f"--store must be one of {STORES}, not {store!r}")
    sys.path.insert(0, str(REPO / "tests"))
    from support.neo4j_server import Neo4jServer, neo4j_lib

    server = Neo4jServer(neo4j_lib())
    secrets = Path(tempfile.mkdtemp(prefix="graphflow-bench-neo4j-"))
    try:
        server.start()
        password = secrets / "password"
        password.write_text(server.password)
        os.chmod(password, 0o600)
        config.setup_profile(
            "default",
            store_uri=server.uri,
            user="neo4j",
            password_file=password,
            broker=broker,
            set_default=True,
        )
        yield {"store": f"{server.lib.parent.name} (loopback Bolt, default settings)"}
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)
        shutil.rmtree(secrets, ignore_errors=True)
