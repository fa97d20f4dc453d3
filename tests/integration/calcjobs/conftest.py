"""Calculation jobs on real computers: this machine (local transport, direct scheduler) and
the suite's sshd, SLURM and Grid Engine (``scripts/services/services.sh``).

Back-off is shortened for the whole session (0.2 s, doubling, 3 attempts) through the
profile options a user would set, so a failing task pauses its job in about a second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from graphflow import Code, Computer

from ..transports._services import load_services
from ._drive import MAX_ATTEMPTS, RETRY_INTERVAL, unique

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="session", autouse=True)
def fast_backoff(backend: Any) -> None:
    from graphflow import config

    config.update_profile(
        "default",
        options={
            "transport_retry_interval": RETRY_INTERVAL,
            "transport_max_attempts": MAX_ATTEMPTS,
        },
    )


@pytest.fixture
def local_computer(tmp_path: Path) -> Computer:
    return Computer(
        unique("local"),
        hostname="localhost",
        transport="local",
        scheduler="direct",
        workdir=str(tmp_path / "work"),
    ).store()


@pytest.fixture
def local_bash(local_computer: Computer) -> Code:
    return Code(label="bash", computer=local_computer, executable="/bin/bash").store()


@pytest.fixture(scope="session")
def services() -> dict[str, str]:
    """env.json of the running sshd; fails (never skips) when it is not running."""
    return load_services("ssh")
