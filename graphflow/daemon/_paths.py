"""Where a profile's daemon keeps its files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from graphflow.config import Profile

__all__ = ["DaemonPaths"]


@dataclass(frozen=True)
class DaemonPaths:
    root: Path

    @classmethod
    def of(cls, profile: Profile) -> DaemonPaths:
        paths = cls(profile.directory / "daemon")
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
        return self.root / "control.sock"

    @property
    def lock(self) -> Path:
        return self.root / "start.lock"

    @property
    def supervisor_log(self) -> Path:
        return self.logs / "supervisor.log"

    def worker_log(self, number: int) -> Path:
        return self.logs / f"worker-{number}.log"
