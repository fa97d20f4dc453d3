"""``submit``: hand a process to the daemon and return its stored node at once.

The process is validated and stored (created, with its inputs and first checkpoint)
before its task is published; if the broker cannot take the task, the stored node is
marked killed with the reason, so nothing is left half-submitted, and the error says so.

``submit_many`` does the same for a whole sweep: every inputs dict is validated before
anything is stored, and then each chunk of processes is one commit and its tasks are
published together, so a client submits at the store's pace rather than one round trip
per process. ``submit`` is ``submit_many`` of one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from graphflow import _loop
from graphflow.broker import TaskMessage
from graphflow.engine._context import current_process
from graphflow.engine._functions import ProcessFunction
from graphflow.engine._importing import unsubmittable_reason
from graphflow.engine._launch import launch_inputs
from graphflow.engine._messaging import communicator_for
from graphflow.engine._outbox import UNPUBLISHED, mark_published
from graphflow.engine._process import Process
from graphflow.errors import BrokerError, ProcessError, ProcessLaunchError
from graphflow.orm import ProcessNode, WriteScope, current_profile, get_backend
from graphflow.orm._session import commit_scope
from graphflow.store import WriteBatch
from graphflow.types import ProcessState

if TYPE_CHECKING:
    from collections.abc import Iterable

    from graphflow.orm import Backend

__all__ = ["submit", "submit_many"]

#: processes per commit in ``submit_many``: big enough that the commit, not the round
#: trip, is the cost; small enough that a commit stays far below the store's message limit
#: and workers get the first tasks while the rest are still being stored
CHUNK = 250


def submit(process: Any, inputs: dict[str, Any] | None = None, **kwargs: Any) -> ProcessNode:
    """Send ``process`` with ``inputs`` to the daemon; returns its stored node at once."""
    return _submit_all(process, [launch_inputs("submit", process, inputs, kwargs)], many=False)[0]


def submit_many(process: Any, inputs: Iterable[Mapping[str, Any]]) -> list[ProcessNode]:
    """Send ``process`` once for each inputs dict; returns their stored nodes, in order.

    Every inputs dict is validated first: a bad one stores nothing, and its error says
    which (``inputs[i]``). If the broker fails part way, the processes already queued
    stay submitted, those stored but not queued are marked killed, and the error says how
    many of each.
    """
    return _submit_all(process, inputs, many=True)


def _submit_all(
    process: Any, inputs: Iterable[Mapping[str, Any]], *, many: bool
) -> list[ProcessNode]:
    _check_submittable(process)
    instances = []
    for index, values in enumerate(inputs):
        if not isinstance(values, Mapping):
            where = f"inputs[{index}] given to submit_many" if many else "the inputs"
            raise TypeError(
                f"{where} is of type {type(values).__name__}, not a dict of inputs; "
                "nothing was submitted"
            )
        try:
            instances.append(_instantiate(process, values))
        except Exception as exc:
            if many:
                exc.add_note(f"in inputs[{index}] given to submit_many: nothing was submitted")
            raise
    if not instances:
        return []
    backend = _loop.call(get_backend())
    for start in range(0, len(instances), CHUNK):
        chunk = instances[start : start + CHUNK]
        _loop.call(backend.pks.ensure(_node_count(chunk)))  # storing never waits on the loop
        scope = WriteScope(backend)
        try:
            _write_submissions(scope, chunk)
        except BaseException:
            scope.rollback()
            raise
        killed, reason = _loop.call(_store_and_publish(backend, scope, chunk))
        if reason is not None:
            not_stored = len(instances) - start - len(chunk)
            message = _not_queued_message(reason, killed, len(instances), not_stored)
            raise type(reason)(message) from reason
    return [instance.node for instance in instances]


def _instantiate(process: Any, values: Mapping[str, Any]) -> Process:
    """The process to store for one inputs dict. A process function's are given by
    keyword and made nodes as when it is called; its worker rebuilds the call."""
    if isinstance(process, ProcessFunction):
        return process.process_class(process.submission_inputs(values))
    instance: Process = process(dict(values))
    return instance


def _check_submittable(process: Any) -> None:
    """What can be submitted, as AiiDA's ``submit`` takes it: a Process class or a process
    function (AiiDA submits those too), importable by a daemon worker."""
    process_class = process.process_class if isinstance(process, ProcessFunction) else process
    if not (isinstance(process_class, type) and issubclass(process_class, Process)):
        raise ProcessLaunchError(
            f"{process!r} cannot be submitted: give a WorkChain or CalcJob class, or a "
            "calcfunction or workfunction"
        )
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
    reason = unsubmittable_reason(process_class.process_type())
    if reason is not None:
        raise ProcessError(
            f"{process_class.process_label()} cannot be submitted: a daemon worker would have to "
            f"import it, and {reason}; or run() it here"
        )


async def _store_and_publish(
    backend: Backend, scope: WriteScope, chunk: list[Process]
) -> tuple[list[Process], BrokerError | None]:
    """Commit ``chunk`` (one commit), then publish its tasks together. Returns the
    processes the broker did not take, now marked killed, and why."""
    await commit_scope(scope)
    results: list[BaseException | None]
    try:
        communicator = await communicator_for(backend.profile)
        tasks = (communicator.publish_task(TaskMessage(p.node.uuid, p.node.pk)) for p in chunk)
        results = list(await asyncio.gather(*tasks, return_exceptions=True))
    except BrokerError as exc:
        results = [exc] * len(chunk)
    mark_published(backend, [p.node.uuid for p, r in zip(chunk, results, strict=True) if r is None])
    failures = [(p, r) for p, r in zip(chunk, results, strict=True) if r is not None]
    if not failures:
        return [], None
    reason = failures[0][1]
    if not isinstance(reason, BrokerError):
        raise reason  # not the broker's refusal: the outbox republishes these
    killed = [p for p, _ in failures]
    await _mark_killed(backend, killed, f"not submitted: {reason}")
    return killed, reason


def _node_count(chunk: list[Process]) -> int:
    return sum(1 + len(p.inputs) for p in chunk)


def _write_submissions(scope: WriteScope, chunk: list[Process]) -> None:
    # the outbox: stored with the process, cleared once its task is confirmed; a daemon
    # worker republishes what a submitter that died in between left (engine._outbox)
    for instance in chunk:
        instance._write_creation(scope)
        scope.update(
            instance.node, {"checkpoint": instance.initial_checkpoint(), UNPUBLISHED: True}
        )


async def _mark_killed(backend: Backend, processes: list[Process], reason: str) -> None:
    batch = WriteBatch()
    for instance in processes:
        batch.update(
            instance.node.uuid,
            instance.node._state_update(
                state=ProcessState.KILLED, exit_message=reason, clear_checkpoint=True
            ),
        )
    await backend.writer.write(batch)


def _not_queued_message(
    exc: BrokerError, killed: list[Process], total: int, not_stored: int
) -> str:
    first = killed[0].node._ident()
    if total == 1:
        return f"{first} was stored but could not be queued, and is marked killed: {exc}"
    queued = total - not_stored - len(killed)
    return (
        f"submit_many: {queued} of {total} processes were submitted; {len(killed)} "
        f"(the first {first}) were stored but could not be queued and are marked killed; "
        f"{not_stored} were not stored: {exc}"
    )
