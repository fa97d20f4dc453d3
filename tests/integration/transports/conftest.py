"""Fixtures for the transport integration tests: the real sshd, and a transport per kind."""

from __future__ import annotations

import pytest

from ._services import load_services


@pytest.fixture(scope="session")
def ssh_env() -> dict[str, str]:
    """env.json of the running sshd; fails (never skips) when it is not running."""
    return load_services("ssh")
