"""The daemon: supervised worker processes fed by the broker's task queue.

The worker module is not imported here: the supervisor runs it with ``python -m
graphflow.daemon._worker``, which warns when the package already imported it.
"""

from graphflow.daemon._client import DaemonClient, DaemonError

__all__ = ["DaemonClient", "DaemonError"]
