"""Submitting never loses a task: the process and the promise of its task are one write.

``submit`` stores a process before it publishes its task (a task must never point at a
process that is not stored). A submitter killed in between used to leave the process
``created`` with no task, until someone ran ``process repair``. So the process is stored
with an outbox mark, ``unpublished``, in the same commit; once the broker confirmed the
task the mark is cleared (gathered with other clears into one commit, not waited for). A
daemon worker looks for marks older than the profile option ``outbox_grace`` (GRACE,
30 s) about as often, and publishes those tasks itself: a lost task is queued within
about a minute of its submit, by the daemon alone. A task published twice (the
submitter died after the confirm but before the clear) is harmless: the worker that
takes the second finds the process claimed or terminated and drops it.
"""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING

from graphflow.broker import TaskMessage
from graphflow.store import WriteBatch, query

if TYPE_CHECKING:
    from collections.abc import Iterable

    from graphflow.broker import Communicator
    from graphflow.orm import Backend

__all__ = ["GRACE", "UNPUBLISHED", "mark_published", "publish_stranded"]

log = logging.getLogger(__name__)

#: the node property that marks a process whose task is not confirmed yet
UNPUBLISHED = "unpublished"
#: how old a mark must be before a worker takes over its publishing (a live submitter
#: confirms within seconds), and about how often a worker looks: the profile option
#: ``outbox_grace``
GRACE = 30.0
_BATCH = 1000


def mark_published(backend: Backend, uuids: Iterable[str]) -> None:
    """Clear the outbox mark of processes whose task the broker confirmed. Clears are
    gathered for a second into one commit (a burst of submits costs one, not a statement
    in each submit's commit); a mark left behind would only mean a harmless second task."""
    batch = WriteBatch()
    for uuid in uuids:
        batch.update(uuid, {UNPUBLISHED: None})
    backend.writer.defer(batch)


async def publish_stranded(backend: Backend, communicator: Communicator, grace: float) -> int:
    """Publish the task of every process whose mark is older than ``grace``; how many."""
    before = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=grace)
    rows = await backend.store.read(
        query("engine.unpublished_processes"), before=before, limit=_BATCH
    )
    for row in rows:
        log.warning(
            "process pk %s was stored by a submitter that never queued its task: queueing it",
            row["pk"],
        )
        await communicator.publish_task(TaskMessage(row["uuid"], row["pk"]))
    if rows:
        mark_published(backend, [row["uuid"] for row in rows])
    return len(rows)
