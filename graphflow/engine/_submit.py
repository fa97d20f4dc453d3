"""``submit``: hand a process to the daemon and return its stored node at once.

The process is validated and stored (created, with its inputs and first checkpoint)
before its task is published; if the broker cannot take the task, the stored node is
marked killed with the reason, so nothing is left half-submitted, and the error says so.
"""

from __future__ import annotations

from typing import Any

from graphflow import _loop
from graphflow.broker import TaskMessage
from graphflow.engine._context import current_process
from graphflow.engine._functions import ProcessFunction
from graphflow.engine._importing import unsubmittable_reason
from graphflow.engine._messaging import communicator_for
from graphflow.engine._outbox import UNPUBLISHED, mark_published
from graphflow.engine._process import Process
from graphflow.errors import BrokerError, ProcessError
from graphflow.orm import ProcessNode, WriteScope, current_profile, get_backend
from graphflow.orm._session import commit_scope
from graphflow.store import WriteBatch
from graphflow.types import ProcessState

__all__ = ["submit"]


def submit(process: Any, inputs: dict[str, Any] | None = None, **kwargs: Any) -> ProcessNode:
    """Send ``process`` with ``inputs`` to the daemon; returns its stored node at once."""
    if isinstance(process, ProcessFunction):
        raise ProcessError(
            f"{process.func.__qualname__} is a process function: it runs where it is called "
            "(call it, or use run); submit a WorkChain or CalcJob"
        )
    if not (isinstance(process, type) and issubclass(process, Process)):
        raise ProcessError(f"{process!r} cannot be submitted: give a WorkChain or CalcJob class")
    if current_process() is not None:
        raise ProcessError("inside a work chain step use self.submit(...), which links the child")
    profile = current_profile()
    if not profile.broker_url():
        raise ProcessError(
            f"submit needs a broker, and profile {profile.name!r} has none: configure one with "
            f"'graphflow profile set-broker {profile.name} amqp://guest:guest@127.0.0.1:5672/' "
            "(or set GRAPHFLOW_BROKER), and start workers with 'graphflow daemon start'; "
            "run() works without a broker"
        )
    reason = unsubmittable_reason(process.process_type())
    if reason is not None:
        raise ProcessError(
            f"{process.process_label()} cannot be submitted: a daemon worker would have to "
            f"import it, and {reason}; or run() it here"
        )
    instance = process({**(inputs or {}), **kwargs})
    backend = _loop.call(get_backend())
    scope = WriteScope(backend)
    instance._write_creation(scope)
    # the outbox: stored with the process, cleared once its task is confirmed; a daemon
    # worker republishes what a submitter that died in between left (engine._outbox)
    scope.update(instance.node, {"checkpoint": instance.initial_checkpoint(), UNPUBLISHED: True})

    async def store_and_publish() -> None:
        await commit_scope(scope)
        try:
            communicator = await communicator_for(profile)
            await communicator.publish_task(TaskMessage(instance.node.uuid, instance.node.pk))
            mark_published(backend, [instance.node.uuid])
        except BrokerError as exc:
            batch = WriteBatch()
            reason = f"not submitted: {exc}"
            batch.update(
                instance.node.uuid,
                instance.node._state_update(
                    state=ProcessState.KILLED, exit_message=reason, clear_checkpoint=True
                ),
            )
            await backend.writer.write(batch)
            raise type(exc)(
                f"{instance.node._ident()} was stored but could not be queued, and is marked "
                f"killed: {exc}"
            ) from exc

    _loop.call(store_and_publish())
    return instance.node
