"""Where a daemon keeps its files: a folder per host; a control socket that fits."""

from __future__ import annotations

import os
import socket
import stat
from typing import TYPE_CHECKING

from graphflow.config import Profile
from graphflow.daemon._paths import DaemonPaths

if TYPE_CHECKING:
    from pathlib import Path


def test_each_host_has_its_own_daemon_folder(tmp_path: Path) -> None:
    """Hosts that share a home (a cluster's shared filesystem) never read each other's pid
    file, socket or worker statistics."""
    paths = DaemonPaths.of(Profile("lab", tmp_path / "lab"))
    assert paths.root == tmp_path / "lab" / "daemon" / socket.gethostname()
    assert paths.logs.is_dir()
    assert paths.workers.is_dir()


def test_a_control_socket_too_long_for_unix_goes_to_a_private_folder(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 6)
    paths = DaemonPaths(deep)
    assert len(os.fsencode(deep / "control.sock")) > 108
    where = paths.socket
    assert len(os.fsencode(where)) < 108
    assert where == DaemonPaths(deep).socket  # the client finds the one the daemon made
    assert where != DaemonPaths(deep / "other").socket
    assert stat.S_IMODE(where.parent.stat().st_mode) == 0o700
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(where))  # it really is a path a socket can have
    where.unlink()


def test_a_short_enough_socket_stays_in_the_daemon_folder(tmp_path: Path) -> None:
    assert DaemonPaths(tmp_path / "d").socket == tmp_path / "d" / "control.sock"
