"""The interpreter's broker connection for a profile, made on first use."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from graphflow import _loop
from graphflow.broker import RabbitMQCommunicator
from graphflow.errors import ProcessError
from graphflow.orm import bookmarks_of

if TYPE_CHECKING:
    from graphflow.config import Profile

__all__ = ["close_communicators", "communicator_for", "new_communicator"]

_communicators: dict[str, RabbitMQCommunicator] = {}
_lock: asyncio.Lock | None = None


def new_communicator(profile: Profile) -> RabbitMQCommunicator:
    """A fresh communicator for ``profile``'s broker (daemon workers own theirs)."""
    url = profile.broker_url()
    if not url:
        raise ProcessError(
            f"profile {profile.name!r} has no broker: set one with 'graphflow profile set-broker "
            f"{profile.name} amqp://guest:guest@127.0.0.1:5672/' or GRAPHFLOW_BROKER "
            "(run() works without a broker)"
        )
    return RabbitMQCommunicator(
        url,
        prefix=profile.queue_prefix,
        hold_ttl=float(profile.option("broker_hold_ttl", 30.0)),
        hold_renew=float(profile.option("broker_hold_renew", 600.0)),
        causal=bookmarks_of(profile),
    )


async def communicator_for(profile: Profile) -> RabbitMQCommunicator:
    """The shared, connected communicator of ``profile`` in this interpreter."""
    global _lock
    if _lock is None:
        _lock = asyncio.Lock()
    async with _lock:
        communicator = _communicators.get(profile.name)
        if communicator is None:
            communicator = new_communicator(profile)
            await communicator.connect()
            if not _communicators:
                _loop.on_shutdown(close_communicators)
            _communicators[profile.name] = communicator
        return communicator


async def close_communicators() -> None:
    """Close this interpreter's broker connections (at exit)."""
    while _communicators:
        _, communicator = _communicators.popitem()
        await communicator.close()
