"""Where a profile's daemon keeps its files: a folder per host, so the daemons of several
hosts that share a home (a cluster's shared filesystem) never read each other's pid
file, socket or worker statistics."""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphflow.config import Profile

__all__ = ["DaemonPaths"]

#: a Unix socket's path must fit in sun_path (108 bytes with its terminating NUL)
_MAX_SOCKET_PATH = 104


@dataclass(frozen=True)
class DaemonPaths:
    root: Path

    @classmethod
    def of(cls, profile: Profile) -> DaemonPaths:
        paths = cls(profile.directory / "daemon" / socket.gethostname())
        for folder in (paths.root, paths.logs, paths.workers):
            folder.mkdir(parents=True, exist_ok=True)
        return paths

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def workers(self) -> Path:
        """One JSON file of statistics per live worker, by pid."""
        return self.root / "workers"

    @property
    def pid_file(self) -> Path:
        return self.root / "supervisor.pid"

    @property
    def broker_file(self) -> Path:
        """The broker URL given to the daemon by ``GRAPHFLOW_BROKER`` (0600): a password in
        a child's environment would be readable by whatever it starts."""
        return self.root / "broker.url"

    @property
    def socket(self) -> Path:
        """The supervisor's control socket: in the daemon folder, unless that path is too
        long for a Unix socket (108 bytes, a deep home and a long host name), then in a
        private folder of this user under the temporary directory, named by a digest of
        the daemon folder (so the client finds it the same way)."""
        path = self.root / "control.sock"
        if len(os.fsencode(path)) < _MAX_SOCKET_PATH:
            return path
        private = Path(tempfile.gettempdir()) / f"graphflow-{os.getuid()}"
        private.mkdir(mode=0o700, exist_ok=True)
        digest = hashlib.sha256(os.fsencode(self.root)).hexdigest()[:24]
        return private / f"{digest}.sock"

    @property
    def lock(self) -> Path:
        return self.root / "start.lock"

    @property
    def supervisor_log(self) -> Path:
        return self.logs / "supervisor.log"

    def worker_log(self, number: int) -> Path:
        return self.logs / f"worker-{number}.log"
