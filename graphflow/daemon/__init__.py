"""The daemon: supervised worker processes fed by the broker's task queue."""

from graphflow.daemon._client import DaemonClient, DaemonError
from graphflow.daemon._worker import Worker

__all__ = ["DaemonClient", "DaemonError", "Worker"]
