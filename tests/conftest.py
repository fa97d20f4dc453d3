"""Fixtures for the whole suite.

Every test session gets its own ``GRAPHFLOW_HOME`` in a temporary folder, so the suite
never touches a user's profiles. Integration tests share one real store per session: the
embedded ArcadeDB (started through graphflow itself, as users get it), or with
``GRAPHFLOW_TEST_STORE=neo4j`` a real Neo4j server (see ``support/stores.py``), stopped
at the end.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/support

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="graphflow-tests-"))
os.environ["GRAPHFLOW_HOME"] = str(_SESSION_HOME)
os.environ.pop("GRAPHFLOW_PROFILE", None)
os.environ.pop("GRAPHFLOW_BROKER", None)

from support.stores import on_neo4j  # noqa: E402  (tests/ is on the path only now)

_neo4j_server: object | None = None


def pytest_configure(config: pytest.Config) -> None:
    """On the Neo4j pass, make the session's default profile a Neo4j one before any test
    (or any daemon the tests start) reads the configuration."""
    if not on_neo4j() or hasattr(config, "workerinput"):
        return
    from graphflow import config as gf_config

    uri = os.environ.get("GRAPHFLOW_TEST_NEO4J_URI")
    if uri:  # an existing server: its password comes from the environment
        password = os.environ.get("GRAPHFLOW_TEST_NEO4J_PASSWORD", "")
    else:
        global _neo4j_server
        from support.neo4j_server import Neo4jServer, neo4j_lib

        server = Neo4jServer(neo4j_lib())
        server.start()
        _neo4j_server = server
        uri, password = server.uri, server.password
        os.environ["GRAPHFLOW_TEST_NEO4J_URI"] = uri
    secret = _SESSION_HOME / "neo4j-password"
    secret.write_text(password + "\n")
    secret.chmod(0o600)
    os.environ["GRAPHFLOW_TEST_NEO4J_PASSWORD_FILE"] = str(secret)
    from support.stores import profile_store_options

    gf_config.setup_profile("default", set_default=True, **profile_store_options())


def pytest_unconfigure(config: pytest.Config) -> None:
    global _neo4j_server
    server, _neo4j_server = _neo4j_server, None
    if server is not None:
        server.stop()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def graphflow_home() -> Path:
    """The session's GRAPHFLOW_HOME."""
    return _SESSION_HOME


@pytest.fixture(scope="session")
def backend(graphflow_home: Path) -> Iterator[object]:
    """The default profile's backend on the session's real store."""
    from graphflow import _loop
    from graphflow.orm import close_backends, embedded_server, get_backend, load_profile

    profile = load_profile()
    started = _loop.call(get_backend(profile))
    yield started
    _loop.call(close_backends())
    if profile.store.kind == "embedded":
        _loop.call(embedded_server(profile).stop())


@pytest.fixture
def current_backend(backend: object) -> object:
    """The default profile's backend as it is now. A test that leaves a profile of its
    own closes every backend of the interpreter, the session's too (the ``backend``
    fixture's object is then closed); ``get_backend()`` makes a new one."""
    from graphflow import _loop
    from graphflow.orm import get_backend

    return _loop.call(get_backend())


def run_async(coro: object) -> object:
    """Run a coroutine on graphflow's loop from a test (the loop lives in its own thread)."""
    from graphflow import _loop

    return _loop.call(coro)  # type: ignore[arg-type]


@pytest.fixture
def aio() -> object:
    return run_async


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests under tests/integration and tests/chaos use real services: mark them slow.
    Tests about the other store than this pass's are deselected (pytest reports them)."""
    other = "arcadedb_only" if on_neo4j() else "neo4j_only"
    kept, deselected = [], []
    for item in items:
        path = str(item.fspath)
        if "/integration/" in path or "/chaos/" in path:
            item.add_marker(pytest.mark.slow)
        (deselected if item.get_closest_marker(other) else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop the session's embedded store, whoever started it (setting the profile up
    starts it to check it, with or without a test that asks for ``backend``); then
    remove the session's GRAPHFLOW_HOME (stores of up to ~130 MB) after a passing run;
    after a failing one keep it, with the daemon logs and stores, and say where."""
    from graphflow import _loop
    from graphflow.engine._runner import close_runners
    from graphflow.orm import close_backends, embedded_server, load_profile

    profile = load_profile()
    _loop.call(close_runners())  # before the stores stop: they end their leases
    _loop.call(close_backends())
    if profile.store.kind == "embedded":
        _loop.call(embedded_server(profile).stop())
    if exitstatus == 0:
        shutil.rmtree(_SESSION_HOME, ignore_errors=True)
    else:
        sys.stderr.write(f"\nthe failed run's GRAPHFLOW_HOME is kept in {_SESSION_HOME}\n")
