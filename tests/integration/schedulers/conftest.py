"""Fixtures for the scheduler integration tests: computers reached over the real sshd."""

from __future__ import annotations

import pytest

from graphflow.schedulers import DirectScheduler, SgeScheduler, SlurmScheduler
from graphflow.transports import SshTransport

from ..transports._services import load_services, ssh_settings
from ._cluster import Computer


@pytest.fixture(scope="session")
def slurm_env() -> dict[str, str]:
    """env.json once sshd and SLURM run; fails (never skips) otherwise."""
    return load_services("ssh", "slurm")


@pytest.fixture(scope="session")
def sge_env() -> dict[str, str]:
    """env.json once sshd and Grid Engine run; fails (never skips) otherwise."""
    return load_services("ssh", "sge")


@pytest.fixture(scope="session")
def ssh_env() -> dict[str, str]:
    """env.json once sshd runs; fails (never skips) otherwise."""
    return load_services("ssh")


@pytest.fixture
def slurm(slurm_env) -> Computer:
    settings = ssh_settings(slurm_env)
    return Computer("slurm-over-ssh", lambda: SshTransport(settings), SlurmScheduler())


@pytest.fixture
def sge(sge_env) -> Computer:
    settings = ssh_settings(sge_env)
    return Computer("sge-over-ssh", lambda: SshTransport(settings), SgeScheduler())


@pytest.fixture
def direct_over_ssh(ssh_env) -> Computer:
    settings = ssh_settings(ssh_env)
    return Computer("direct-over-ssh", lambda: SshTransport(settings), DirectScheduler())
