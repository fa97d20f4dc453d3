"""Parking: a crowd of waiting work chains kept in the store, not in a worker's memory.

A work chain waiting for its children needs no slot, but a daemon worker that keeps it
holds its Python state and a broker hold: about 30 KiB each, so a hundred thousand
waiting parents would not fit in a machine's memory. Beyond the profile option
``waiting_in_memory`` (:data:`WAITING_IN_MEMORY` per worker) a worker *parks* a waiting
work chain instead: its checkpoint is already durable, so one write gives it up (no
owner) and records ``parked`` (when) and ``parked_on`` (the uuids it waits for); then its
hold is released and it is forgotten. Nothing runs it and nothing holds it until a task
continues it.

Who queues that task: whoever ends its last awaited child. A runner of the daemon, once a
process's end is durable, reads whether its caller is parked with every awaited child
ended (:func:`wake_parked_caller`) and if so publishes the caller's task; so does a kill
through the store. The worker that parked a process reads the same right after the park
is durable. Of the park and a
child's end, the one committed second is read by the other's reader after it, so one of
the two sees both and queues the task (both may: a task for a process already claimed or
ended is dropped). A runner that dies between a child's end and that read leaves a parked
process that nobody wakes: every worker looks for such ones when it starts and every
:data:`PARKED_SWEEP_INTERVAL` seconds (:func:`publish_ready`), and ``process repair`` does too.

Claiming a parked process (a worker taking its task, or ``process resume``) clears both
marks. A resumed work chain waits as usual, and parks again if its children are still
running and its worker is full.
"""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING, Any

from graphflow.broker import TaskMessage
from graphflow.store import query
from graphflow.types import ProcessState

if TYPE_CHECKING:
    from collections.abc import Sequence

    from graphflow.broker import Communicator
    from graphflow.orm import Backend

__all__ = [
    "PARKED",
    "PARKED_ON",
    "PARKED_SWEEP_INTERVAL",
    "WAITING_IN_MEMORY",
    "parking_props",
    "publish_ready",
    "ready_parked",
    "unparking_props",
    "wake_parked_caller",
]

log = logging.getLogger(__name__)

#: when a process was parked (absent while it is not)
PARKED = "parked"
#: the uuids of the children a parked process waits for
PARKED_ON = "parked_on"
#: waiting work chains a daemon worker keeps in memory before it parks more (the profile
#: option ``waiting_in_memory``): about 30 MiB of them
WAITING_IN_MEMORY = 1000
#: seconds between a worker's looks for parked processes that nobody woke
PARKED_SWEEP_INTERVAL = 300.0
_TERMINAL = [state.value for state in ProcessState if state.is_terminal]
_BATCH = 1000


def parking_props(awaiting: Sequence[str]) -> dict[str, Any]:
    """What parking a process writes on its node: no owner, and what it waits for."""
    return {"owner": None, PARKED: datetime.datetime.now(datetime.UTC), PARKED_ON: list(awaiting)}


def unparking_props() -> dict[str, Any]:
    """What ends a parked process's marks when it ends without being claimed (a kill)."""
    return {PARKED: None, PARKED_ON: None}


async def wake_parked_caller(backend: Backend, communicator: Communicator, uuid: str) -> bool:
    """Queue the task of the caller of process ``uuid`` if that caller is parked and every
    child it waits for has ended; whether it was queued."""
    rows = await backend.store.write(query("engine.parked_caller"), uuid=uuid)
    if not rows or any(state not in _TERMINAL for state in rows[0]["states"]):
        return False
    await communicator.publish_task(TaskMessage(rows[0]["uuid"], rows[0]["pk"]))
    return True


async def ready_parked(backend: Backend, *, older_than: float = 0.0) -> list[dict[str, Any]]:
    """Parked processes (``uuid``, ``pk``) whose children have all ended, parked at least
    ``older_than`` seconds ago (the rest are being woken by whoever ended those children)."""
    before = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=older_than)
    rows: list[dict[str, Any]] = await backend.store.read(
        query("engine.ready_parked"), before=before, terminal=_TERMINAL, limit=_BATCH
    )
    return rows


async def publish_ready(backend: Backend, communicator: Communicator, older_than: float) -> int:
    """Queue the task of every parked process nobody woke (see :func:`ready_parked`)."""
    rows = await ready_parked(backend, older_than=older_than)
    for row in rows:
        log.warning(
            "process pk %s has been parked since its children ended: queueing it (again, "
            "if its task is still waiting in the queue)",
            row["pk"],
        )
        await communicator.publish_task(TaskMessage(row["uuid"], row["pk"]))
    return len(rows)
