"""A daemon started with GRAPHFLOW_BROKER keeps that broker (in a 0600 file) for its
restarts; a profile without any broker refuses before anything is stopped."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from graphflow import config
from graphflow.daemon._client import DaemonClient, DaemonError
from graphflow.daemon._paths import DaemonPaths

if TYPE_CHECKING:
    from pathlib import Path


def test_restart_uses_the_kept_override_or_refuses_before_stopping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPHFLOW_HOME", str(tmp_path))
    monkeypatch.delenv("GRAPHFLOW_BROKER", raising=False)
    monkeypatch.delenv("GRAPHFLOW_BROKER_FILE", raising=False)
    profile = config.setup_profile("nobroker")
    client = DaemonClient(profile)
    with pytest.raises(DaemonError, match="has no broker"):
        client.check_startable()
    kept = DaemonPaths.of(profile).broker_file
    config.write_secret(kept, "amqp://guest:secret@127.0.0.1:5672/")
    client.check_startable()  # a restart finds the broker the first start was given
    assert kept.stat().st_mode & 0o777 == 0o600
