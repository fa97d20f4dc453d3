"""A real daemon (supervisor and two workers) on the real RabbitMQ, for this folder."""

from __future__ import annotations

import contextlib
import os
import socket
import urllib.parse
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from support.daemon import DaemonFixture

if TYPE_CHECKING:
    from collections.abc import Iterator

# workers import support.daemon_workflows, so they need tests/ on their path
SUPPORT = Path(__file__).resolve().parents[2]


def _amqp_url() -> str:
    return os.environ.get("GRAPHFLOW_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


@pytest.fixture(scope="session")
def amqp_url() -> str:
    url = _amqp_url()
    parts = urllib.parse.urlsplit(url)
    with socket.socket() as sock:
        sock.settimeout(3)
        if sock.connect_ex((parts.hostname or "127.0.0.1", parts.port or 5672)) != 0:
            pytest.fail(
                f"RabbitMQ does not answer at {parts.hostname}:{parts.port}: start it with "
                "scripts/services/services.sh start rabbitmq (scripts/test.sh does)"
            )
    return url


def use_profile_with_broker(graphflow_home: Path, broker: str, **options: float) -> str:
    """A new profile with ``broker`` on its own embedded store (on the Neo4j pass: on the
    session's Neo4j server); selected for this interpreter."""
    from support.stores import profile_store_options

    from graphflow import config
    from graphflow.orm import load_profile

    name = f"daemon-{uuid.uuid4().hex[:8]}"
    config.setup_profile(name, broker=broker, **profile_store_options())
    config.update_profile(name, options={"process_slots": 50, **options})
    load_profile(name)
    return name


def leave_profile(name: str) -> None:
    from graphflow import _loop
    from graphflow.orm import close_backends, embedded_server, load_profile

    profile = load_profile(name)
    from graphflow.engine._messaging import close_communicators

    _loop.call(close_communicators())
    _loop.call(close_backends())
    if profile.store.kind == "embedded":
        _loop.call(embedded_server(profile).stop())
    from graphflow.engine import _runner

    _runner._runners.pop(name, None)
    load_profile("default")


@contextlib.contextmanager
def running_daemon(
    graphflow_home: Path, broker: str, *, workers: int = 2, **options: float
) -> Iterator[DaemonFixture]:
    """A daemon of ``workers`` on a new profile with ``broker`` (and profile ``options``),
    whose workers import tests/support; stopped, and its profile left, at the end."""
    name = use_profile_with_broker(graphflow_home, broker, **options)
    fixture = DaemonFixture(graphflow_home, name, broker, [SUPPORT])
    fixture.start(workers)
    try:
        yield fixture
    finally:
        fixture.stop()
        leave_profile(name)


@pytest.fixture(scope="module")
def daemon(graphflow_home: Path, amqp_url: str) -> Iterator[DaemonFixture]:
    with running_daemon(graphflow_home, amqp_url, broker_hold_ttl=2, broker_hold_renew=1) as d:
        yield d
