"""The interpreter's broker connection for a profile, made on first use."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from graphflow import _loop
from graphflow.broker import RabbitMQCommunicator
from graphflow.errors import ProcessError
from graphflow.orm import bookmarks_of, get_backend

if TYPE_CHECKING:
    from graphflow.config import Profile
    from graphflow.orm import Backend

__all__ = ["close_communicators", "communicator_for", "new_communicator", "queue_prefix"]

_communicators: dict[str, RabbitMQCommunicator] = {}
_lock: asyncio.Lock | None = None


def queue_prefix(backend: Backend) -> str:
    """The start of every broker queue and exchange of a profile: its name and its
    store's own id (not its folder), so the daemons of every host with a profile of that
    name on that store join one pool, whatever their folders, while two stores (two
    installations' ``default`` profiles on one RabbitMQ), or two profiles, never share
    tasks."""
    return f"graphflow.{backend.profile.name}.{backend.store_id[:16]}"


def new_communicator(backend: Backend) -> RabbitMQCommunicator:
    """A fresh communicator for the broker of ``backend``'s profile (daemon workers own
    theirs)."""
    profile = backend.profile
    url = profile.broker_url()
    if not url:
        raise ProcessError(
            f"profile {profile.name!r} has no broker: set one with 'graphflow profile set-broker "
            f"{profile.name} amqp://guest:guest@127.0.0.1:5672/' or GRAPHFLOW_BROKER "
            "(run() works without a broker)"
        )
    return RabbitMQCommunicator(
        url,
        prefix=queue_prefix(backend),
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
            communicator = new_communicator(await get_backend(profile))
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
