"""Fixtures for the whole suite.

Every test session gets its own ``GRAPHFLOW_HOME`` in a temporary folder, so the suite
never touches a user's profiles. Integration tests share one real embedded ArcadeDB
server per session (started through graphflow itself, as users get it) and stop it at
the end.
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


@pytest.fixture(scope="session")
def graphflow_home() -> Path:
    """The session's GRAPHFLOW_HOME."""
    return _SESSION_HOME


@pytest.fixture(scope="session")
def backend(graphflow_home: Path) -> Iterator[object]:
    """The default profile's backend on a real embedded ArcadeDB server."""
    from graphflow import _loop
    from graphflow.orm import close_backends, embedded_server, get_backend, load_profile

    profile = load_profile()
    started = _loop.call(get_backend(profile))
    yield started
    _loop.call(close_backends())
    _loop.call(embedded_server(profile).stop())


def run_async(coro: object) -> object:
    """Run a coroutine on graphflow's loop from a test (the loop lives in its own thread)."""
    from graphflow import _loop

    return _loop.call(coro)  # type: ignore[arg-type]


@pytest.fixture
def aio() -> object:
    return run_async


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests under tests/integration and tests/chaos use real services: mark them slow."""
    for item in items:
        path = str(item.fspath)
        if "/integration/" in path or "/chaos/" in path:
            item.add_marker(pytest.mark.slow)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove the session's GRAPHFLOW_HOME (stores of up to ~130 MB) after a passing run;
    after a failing one keep it, with the daemon logs and stores, and say where."""
    if exitstatus == 0:
        shutil.rmtree(_SESSION_HOME, ignore_errors=True)
    else:
        sys.stderr.write(f"\nthe failed run's GRAPHFLOW_HOME is kept in {_SESSION_HOME}\n")
