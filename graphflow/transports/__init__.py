"""Commands and files on computers, local or over SSH, shared politely (async only).

Layering inside the package, lowest first (each module imports only from those above)::

    _protocol                 CommandResult, the Transport protocol, TransportClass
    _errors, _config          error wording and OS-error translation; settings checks
    _local                    LocalTransport: asyncio subprocesses, files in threads
    _ssh_settings             SshSettings: where and how to connect over SSH
    _ssh_command              the shell wrapper around each SSH command; its results
    _ssh                      SshTransport on asyncssh (exec channels + SFTP)
    _fake                     FakeComputer / FakeTransport: in memory, for tests
    _queue                    TransportQueue: one connection per computer and interval
    _registry                 get_transport_class: entry-point names to types

Only the names in ``__all__`` are public. This package imports nothing from graphflow
but ``graphflow.errors`` and ``graphflow.clock`` (style 1.1); the clock names are
re-exported here for convenience.
"""

from graphflow.clock import Clock, FakeClock, MonotonicClock
from graphflow.transports._fake import FakeComputer, FakeTransport
from graphflow.transports._local import LocalTransport
from graphflow.transports._protocol import CommandResult, Transport, TransportClass
from graphflow.transports._queue import TransportQueue, TransportQueueStatistics
from graphflow.transports._registry import ENTRY_POINT_GROUP, get_transport_class
from graphflow.transports._ssh import SshTransport
from graphflow.transports._ssh_settings import SshSettings, ssh_config_defaults

__all__ = [
    "ENTRY_POINT_GROUP",
    "Clock",
    "CommandResult",
    "FakeClock",
    "FakeComputer",
    "FakeTransport",
    "LocalTransport",
    "MonotonicClock",
    "SshSettings",
    "SshTransport",
    "Transport",
    "TransportClass",
    "TransportQueue",
    "TransportQueueStatistics",
    "get_transport_class",
    "ssh_config_defaults",
]
