"""A daemon worker: one interpreter running one runner fed by the broker's task queue.

Taking a task (:meth:`Worker.on_task`):

1. a task for a process this worker already runs, or one that no longer exists or is
   terminated, is acknowledged and logged, never crashed on;
2. the process is claimed in the store (a compare-and-set of its ``owner``): a process
   whose owner is another live runner (its lease in the store is unexpired, see
   :mod:`graphflow.engine._lease`) and answers for it is left to it; one whose owner's
   lease is unexpired but who does not answer is kept (the task unacknowledged) until that
   lease expires, then taken over; one whose owner is gone is taken over at once;
3. the process is *held* (see :mod:`graphflow.broker._rabbitmq`) and only then is the task
   acknowledged, so a worker that dies at any point leaves a task (or a hold that turns back
   into one) for another worker, which continues from the last checkpoint;
4. when the process ends (its last write durable) the hold is released.

A process needs a slot while it runs; one waiting for its children does not, so parents
never starve their children of slots. Beyond ``waiting_in_memory`` of them a waiting work
chain is parked in the store, its hold released, until its last child ends
(:mod:`graphflow.engine._parking`). The worker takes only as many tasks as it has free
slots: a task that arrives when none is free goes straight back to the queue (another
worker may be free) and the worker stops consuming until a slot frees. So no task waits
unacknowledged behind long processes, where RabbitMQ's consumer_timeout would take it
back and close the channel. On SIGTERM the worker stops taking tasks, lets
every process reach its next step boundary, and hands each back to the queue.

Run as ``python -m graphflow.daemon._worker --profile NAME`` (the supervisor does).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphflow import _loop
from graphflow.broker import Hold, RabbitMQCommunicator, RpcRequest, TaskDelivery, TaskMessage
from graphflow.config import lease_settings
from graphflow.daemon._paths import DaemonPaths
from graphflow.engine._lease import LeaseKeeper, lease_left
from graphflow.engine._outbox import GRACE, publish_stranded
from graphflow.engine._owner import job_elsewhere, judge, this_owner
from graphflow.engine._parking import (
    PARKED_SWEEP_INTERVAL,
    WAITING_IN_MEMORY,
    publish_ready,
    wake_parked_caller,
)
from graphflow.engine._resume import rebuild
from graphflow.engine._runner import Runner, get_runner
from graphflow.errors import GraphflowError, OwnershipLostError, StoreUnavailableError
from graphflow.orm import Backend, ProcessNode, aload_nodes, get_backend, load_profile
from graphflow.retry import TASK_TAKE, Deadline, deadline_scope, retry
from graphflow.store import WriteBatch, query
from graphflow.types import ProcessState

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from graphflow.config import Profile
    from graphflow.engine._process import Process

__all__ = ["Worker", "main"]

log = logging.getLogger("graphflow.daemon.worker")

#: the fewest tasks a worker asks the broker for at a time. Taking one is several round
#: trips; a worker that resumed taking tasks when one slot was free asked for one at a
#: time for good, and took a crowd of woken parents one after another (issue 22)
MIN_PREFETCH = 32
#: seconds a task whose job is on another host waits before it goes back to the queue
ELSEWHERE_PAUSE = 5.0


@dataclass(frozen=True, slots=True)
class _Elsewhere:
    """A process this host cannot continue: its job is on ``host`` (local transport)."""

    host: str


@dataclass(frozen=True, slots=True)
class _Silent:
    """A process whose owner's lease has ``left`` seconds to run, but who did not answer
    for it: it may be dead (its lease not expired yet) or have lost the process."""

    owner: str
    left: float


STATS_INTERVAL = 2.0
#: the exit status of a worker whose store writer stopped (the supervisor restarts it)
EXIT_WRITER_STOPPED = 3
#: compare-and-set tries when claiming a process whose owner keeps changing
CLAIM_TRIES = 5
#: seconds waited for a runner to answer whether it holds a process
STATUS_WAIT = 3.0


@dataclass(frozen=True, slots=True)
class _Stopping:
    """What :meth:`Worker._claim` returns when the worker stops while it waits for an
    owner: the task goes back to the queue."""


def _since(start: float | None) -> float:
    """Seconds since ``start`` (a ``time.monotonic()`` reading); 0 if None."""
    return 0.0 if start is None else time.monotonic() - start


class Worker:
    """Takes tasks, claims and holds their processes, runs them, releases them."""

    def __init__(
        self, backend: Backend, runner: Runner, communicator: RabbitMQCommunicator, *, slots: int
    ) -> None:
        self.backend = backend
        #: a silent owner is waited for at most this long after the first look, even if it
        #: keeps renewing its lease: a live runner that does not answer for a process for a
        #: whole lease does not run it (and its late writes would be refused by the fence)
        profile = backend.profile
        self.lease_seconds, self.recheck = lease_settings(profile.name, profile.options)
        self.runner = runner
        self.communicator = communicator
        self.slots = slots
        self._taking: set[str] = set()
        self._holds: dict[str, Hold] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        #: whether the task consumer is on (it is off while every slot is taken)
        self.consuming = False
        self.done = 0
        #: waiting work chains this worker parked in the store (engine._parking)
        self.parked = 0
        self.stopping = False
        #: the deadline of everything done to take a task: none until the worker stops
        #: (the task stays this worker's meanwhile: unacknowledged, or held), then at once
        self._until_stopped = Deadline.never()
        self._stopped = asyncio.Event()

    def free_slots(self) -> int:
        """Slots neither running a process nor promised to a task being taken."""
        return self.slots - self.runner.busy_count() - len(self._taking)

    async def consume(self) -> None:
        """Take tasks, at most as many at a time as there are free slots, but never fewer
        than MIN_PREFETCH (a task beyond the free slots goes back at once)."""
        prefetch = max(min(self.slots, MIN_PREFETCH), self.free_slots())
        await self.communicator.consume_tasks(self.on_task, prefetch=prefetch)
        self.consuming = True

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str | None = None) -> None:
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _pause_until_free(self) -> None:
        """Stop consuming; start again once a slot is free (unless stopping meanwhile)."""
        await self.communicator.stop_consuming_tasks()
        while self.free_slots() <= 0 and not self.stopping:
            self.runner.capacity.clear()
            await self.runner.capacity.wait()
        if self.stopping:
            return

        def report(exc: BaseException, tries: int, pause: float) -> None:
            # the broker is away (a restart): its robust connection comes back by itself
            log.warning("cannot take tasks again yet (%s); trying again in %.1f s", exc, pause)

        try:
            await retry(
                self.consume,
                backoff=TASK_TAKE,
                deadline=self._until_stopped,
                retry_if=lambda exc: not self.stopping,  # any failure would leave it idle
                on_retry=report,
            )
        except Exception:
            if not self.stopping:
                raise

    async def on_task(self, delivery: TaskDelivery) -> None:
        """Called for every task delivered; see the module docstring."""
        task = delivery.task
        if task.uuid in self._taking or self.runner.handle(task.uuid) is not None:
            log.info("task for %s, which this worker already runs: dropped", task.uuid)
            await delivery.ack()
            return
        if self.free_slots() <= 0:
            # decided before any await, so a burst of deliveries starts one pause, not
            # several (each would start a consumer of its own when a slot frees)
            pause, self.consuming = self.consuming, False
            await delivery.requeue()
            if pause:
                self._spawn(self._pause_until_free())
            return
        self._taking.add(task.uuid)
        # Taken in a task of the worker's own. aio-pika runs this callback in a task of
        # the channel, which is cancelled when the channel closes (a broker restart): a
        # process claimed just before was then left claimed by this live worker, which
        # the others leave alone, never started and never handed back.
        self._spawn(self._take(delivery), name=f"taking the task of pk {task.pk}")

    async def _take(self, delivery: TaskDelivery) -> None:
        """Claim, hold and start the process of a task this worker has a slot for."""
        task = delivery.task
        claimed = False
        try:
            if self.stopping:
                await delivery.requeue()
                return
            with deadline_scope(self._until_stopped):  # a store away: wait for it
                node = await self._claim(task)
            if isinstance(node, _Stopping):
                await delivery.requeue()
                return
            if isinstance(node, _Elsewhere):
                # back to the queue, for a worker on that host; after a pause, so that
                # the workers of other hosts do not pass it round and round
                log.info(
                    "task for %s: its job is on host %s (local transport), where only a "
                    "worker can continue it: handed back",
                    task.uuid,
                    node.host,
                )
                await asyncio.sleep(ELSEWHERE_PAUSE)
                await delivery.requeue()
                return
            if node is None:
                await delivery.ack()
                return
            claimed = True
            hold = await self.communicator.hold(task)
            await delivery.ack()
            self._holds[task.uuid] = hold
            with deadline_scope(self._until_stopped):
                process = await rebuild(self.backend, node)
            self._start(process, node, hold)  # its own deadlines, outside the scope
        except Exception as exc:
            held = self._holds.pop(task.uuid, None)
            unexpected = not isinstance(exc, GraphflowError)
            if isinstance(exc, StoreUnavailableError) or not claimed:
                # stopping while the store is away, or failed before the process was ours
                log.warning("task for %s handed back: %s", task.uuid, exc, exc_info=unexpected)
                if held is None:
                    await delivery.requeue()
                else:
                    await self.communicator.release(held, hand_back=True)
                return
            # Once claimed, any failure (a graphflow error, or a bug) excepts the process,
            # where users see it: left as it was, the process stayed claimed by this live
            # worker, which the others leave alone, and never ran.
            log.error("task for %s failed: %s", task.uuid, exc, exc_info=unexpected)
            await self._give_up(task, exc)
            if held is None:
                await delivery.ack()
            else:
                await self.communicator.release(held)
        finally:
            self._taking.discard(task.uuid)
            self.runner.capacity.set()  # the promised slot is free again, or now running

    async def _claim(self, task: TaskMessage) -> ProcessNode | _Elsewhere | _Stopping | None:
        """The process of ``task``, now owned by this runner; None if it is not to run here
        (``_Stopping`` if the worker began to stop while it waited for a silent owner).

        The claim is a compare-and-set on the owner read just before. When it fails the
        owner changed meanwhile, and the process is read again: a worker killed just after
        sending its own claim has that claim committed by the server after the worker is
        gone, and the task it held comes back. Dropping that task as "claimed by another
        runner" left the process owned by a dead worker, with no task, for good.

        An owner whose lease is unexpired but who does not answer for the process is
        waited for (the task kept), looking again every ``lease_renew`` seconds, until its
        lease expires or it has been silent for a whole lease: dropping the task would
        orphan the process of a host that just died.
        """
        tries = 0
        silent_since: float | None = None
        while tries < CLAIM_TRIES:
            node = await self._claimable(task, silent_for=_since(silent_since))
            if node is None:
                return None
            if isinstance(node, _Silent):
                if silent_since is None:
                    silent_since = time.monotonic()
                pause = min(max(node.left, 0.1), self.recheck)
                log.info(
                    "task for %s: its owner %s does not answer for it, but its lease has "
                    "%.1f s left; looking again in %.1f s",
                    task.uuid,
                    node.owner,
                    node.left,
                    pause,
                )
                if await self._stopped_within(pause):
                    return _Stopping()
                continue
            tries += 1
            elsewhere = job_elsewhere(node)
            if elsewhere is not None:
                return _Elsewhere(elsewhere)
            me = this_owner()
            rows = await self.backend.store.write(
                query("engine.claim_process"), uuid=node.uuid, previous=node.owner, owner=me
            )
            if rows:
                node.owner = me
                return node
            log.info("the owner of %s changed while claiming it: looking again", node._ident())
        log.warning("task for %s dropped: its owner kept changing", task.uuid)
        return None

    async def _claimable(
        self, task: TaskMessage, *, silent_for: float = 0.0
    ) -> ProcessNode | _Silent | None:
        """The process of ``task`` as stored, if it exists, is not over, and no other live
        runner owns it; ``_Silent`` if its owner's lease is unexpired but the owner did not
        answer for it (and has been silent for less than a lease: ``silent_for``)."""
        node = (await aload_nodes(self.backend, [task.uuid])).get(task.uuid)
        if node is None:
            log.warning("task for process %s, which does not exist: acknowledged", task.uuid)
            return None
        if not isinstance(node, ProcessNode):
            log.warning("task for node %s, which is not a process: acknowledged", task.uuid)
            return None
        if node.is_terminated:
            log.info(
                "task for %s, which is already %s: acknowledged",
                node._ident(),
                node.process_state.value,
            )
            return None
        if node.owner and node.owner != this_owner():
            read_at = time.monotonic()
            left = (await lease_left(self.backend.store, [node.owner])).get(node.owner)
            alive = judge(node.owner, left)
            if alive and left is None:  # a live interpreter of this host that keeps no lease
                log.info("task for %s, which %s runs: left to it", node._ident(), node.owner)
                return None
            if alive is not False:
                replies = await self.communicator.rpc(
                    RpcRequest("status", node.uuid), wait=STATUS_WAIT
                )
                if replies:
                    log.info("task for %s, which %s runs: left to it", node._ident(), node.owner)
                    return None
                if alive and left is not None and silent_for < self.lease_seconds:
                    # what is left of the lease now, after the wait for an answer
                    return _Silent(node.owner, left - (time.monotonic() - read_at))
            why = "silent for a whole lease" if alive else "gone"
            log.info("taking over %s from %s, which is %s", node._ident(), node.owner, why)
        return node

    async def _stopped_within(self, seconds: float) -> bool:
        """Wait ``seconds``, or less if the worker stops meanwhile; whether it stopped."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopped.wait()
        return self._stopped.is_set()

    def _start(self, process: Process, node: ProcessNode, hold: Hold) -> None:
        handle = self.runner.start(process)

        async def release_when_done() -> None:
            await asyncio.shield(handle.terminated)
            self._holds.pop(node.uuid, None)
            if handle.store_away:  # whatever its state in memory: the store has less
                await self._pause_where_left(node)
                await self.communicator.release(hold, hand_back=True)
            elif process.state.is_terminal:
                self.done += 1
                await self.communicator.release(hold)
            elif handle.taken_over:  # its new owner holds a task of its own
                await self.communicator.release(hold)
            elif handle.parked:
                self.parked += 1
                await self.communicator.release(hold)
                # its children may all have ended before the park was durable, their
                # runners then finding it not parked: look once, after the release
                try:
                    awaited = (process.node.parked_on or [""])[0]
                    await wake_parked_caller(self.backend, self.communicator, awaited)
                except GraphflowError as exc:  # the sweep queues it later
                    log.warning("could not look at the children of parked %s: %s", node.uuid, exc)
            else:  # detached for a graceful stop: another worker continues it
                await self.communicator.release(hold, hand_back=True)

        self._spawn(release_when_done())

    async def _pause_where_left(self, node: ProcessNode) -> None:
        """Pause a process that the store did not answer for (Runner._leave_for_the_store)
        at its last checkpoint, once the store takes the write, and give it up (no owner):
        the worker that takes its task next holds it paused until ``process play``. Tried
        until the write lands or this worker stops (then it is handed back unpaused)."""
        batch = WriteBatch()
        batch.update(node.uuid, {"paused": True, "owner": None})
        batch.fence(node.uuid, this_owner())

        def report(exc: BaseException, tries: int, pause: float) -> None:
            log.warning(
                "cannot pause %s yet (%s); trying again in %.1f s", node._ident(), exc, pause
            )

        try:
            await retry(
                lambda: self.backend.writer.write(batch),
                backoff=TASK_TAKE,
                deadline=self._until_stopped,
                retry_if=lambda exc: isinstance(exc, StoreUnavailableError) and not self.stopping,
                on_retry=report,
            )
        except OwnershipLostError:
            log.info("%s was taken over meanwhile: its new owner continues it", node._ident())
        except GraphflowError as exc:
            log.warning("%s handed back unpaused: %s", node._ident(), exc)
        else:
            log.warning(
                "%s is paused at its last checkpoint: 'graphflow process play %s' continues it",
                node._ident(),
                node.pk,
            )

    async def _give_up(self, task: TaskMessage, exc: BaseException) -> None:
        """A process that cannot even be loaded here (its class is gone) is excepted."""
        node = (await aload_nodes(self.backend, [task.uuid])).get(task.uuid)
        if isinstance(node, ProcessNode) and not node.is_terminated:
            batch = WriteBatch()
            batch.update(
                node.uuid,
                node._state_update(
                    state=ProcessState.EXCEPTED,
                    exit_message=f"the daemon could not continue it: {exc}",
                    clear_checkpoint=True,
                ),
            )
            with contextlib.suppress(GraphflowError):
                await self.backend.writer.write(batch)
                await wake_parked_caller(self.backend, self.communicator, node.uuid)

    def statistics(self) -> dict[str, Any]:
        handles = self.runner.active
        return {
            "pid": os.getpid(),
            "slots": self.slots,
            "busy": self.runner.busy_count(),
            "held": len(handles),
            "waiting": sum(1 for h in handles if h.process.state is ProcessState.WAITING),
            "done": self.done,
            "parked": self.parked,
            "time": time.time(),
            "writer": "running" if self.backend.writer_running() else "stopped",
            "write_stall": round(self.backend.writer.stalled_for(), 1),
        }

    async def stop(self) -> None:
        """Stop taking tasks; hand every process back at its next step boundary."""
        self.stopping = True
        self._stopped.set()  # tasks waiting for a silent owner are handed back
        self._until_stopped.end_now()  # tasks still being taken are handed back
        self.consuming = False
        self.runner.capacity.set()  # a pause waiting for a free slot ends
        await self.communicator.stop_consuming_tasks()
        handles = self.runner.detach_all()
        for handle in handles:
            await asyncio.shield(handle.terminated)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


async def _sweep_outbox(backend: Backend, communicator: RabbitMQCommunicator) -> None:
    """Queue the tasks that submitters stored but never published (engine._outbox), and
    those of parked processes that nobody woke (engine._parking): these at once (a runner
    that died may have left some) and then every PARKED_SWEEP_INTERVAL."""
    grace = float(backend.profile.option("outbox_grace", GRACE))
    parked_due = 0.0
    while True:
        try:
            if time.monotonic() >= parked_due:
                parked_due = time.monotonic() + PARKED_SWEEP_INTERVAL * (0.5 + random.random())
                await publish_ready(backend, communicator, grace)
        except GraphflowError as exc:  # the store or broker away: the next sweep retries
            log.warning("the sweep of parked processes failed: %s", exc)
        await asyncio.sleep(grace * (0.5 + random.random()))  # workers apart
        try:
            await publish_stranded(backend, communicator, grace)
        except GraphflowError as exc:
            log.warning("the outbox sweep failed: %s", exc)


def log_tasks() -> None:
    """On SIGUSR1: where each of this worker's asyncio tasks waits, one line per task.

    A hung process shows nothing in the log by itself; this tells which await holds it.
    """
    lines = []
    for task in asyncio.all_tasks():
        awaits = []
        coroutine: Any = task.get_coro()
        while coroutine is not None:
            frame = getattr(coroutine, "cr_frame", None) or getattr(coroutine, "gi_frame", None)
            if frame is not None:
                awaits.append(f"{frame.f_code.co_name}:{frame.f_lineno}")
            coroutine = getattr(coroutine, "cr_await", None) or getattr(
                coroutine, "gi_yieldfrom", None
            )
        lines.append(f"  {task.get_name()}: {' > '.join(awaits)}")
    listing = "\n".join(sorted(lines))
    log.warning("worker %d waits in %d tasks:\n%s", os.getpid(), len(lines), listing)


async def amain(profile: Profile, slots: int) -> None:
    _loop.use_running_loop()
    paths = DaemonPaths.of(profile)
    backend = await get_backend(profile)
    runner = await get_runner(backend)
    runner.waiting_in_memory = int(profile.option("waiting_in_memory", WAITING_IN_MEMORY))
    from graphflow.engine._messaging import new_communicator, queue_prefix

    communicator = new_communicator(backend)
    await communicator.connect()
    await runner.attach(communicator, publish_children=True)
    worker = Worker(backend, runner, communicator, slots=slots)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, log_tasks)
    lease = LeaseKeeper(
        backend.store,
        owner=this_owner(),
        profile=profile.name,
        figures=worker.statistics,
        seconds=worker.lease_seconds,
        renew=worker.recheck,
    )
    runner.lease = lease  # the runner keeps no lease of its own
    await lease.start()  # before the first claim: other hosts see this worker alive
    await worker.consume()
    outbox = asyncio.create_task(_sweep_outbox(backend, communicator), name="outbox sweep")
    stats_file = paths.workers / f"{os.getpid()}.json"
    log.info(
        "worker %d ready: %d slots, broker prefix %s", os.getpid(), slots, queue_prefix(backend)
    )
    try:
        while not stop.is_set():
            if not backend.writer_running():
                # nothing it runs could be saved: let the supervisor start a new worker,
                # which takes its processes over from their last checkpoints
                log.critical("worker %d: the store writer stopped; exiting", os.getpid())
                raise SystemExit(EXIT_WRITER_STOPPED)
            await asyncio.to_thread(stats_file.write_text, json.dumps(worker.statistics()))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(STATS_INTERVAL):
                    await stop.wait()
        log.info("worker %d stopping: handing processes back", os.getpid())
        await worker.stop()
    finally:
        outbox.cancel()
        with contextlib.suppress(FileNotFoundError):
            stats_file.unlink()
        await lease.stop()  # after the hand-back: its processes are free at once
        await communicator.close()
        from graphflow.orm import close_backends

        await close_backends()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m graphflow.daemon._worker")
    parser.add_argument("--profile", required=True)
    parser.add_argument("--slots", type=int)
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"
    )
    profile = load_profile(args.profile)
    slots = args.slots or int(profile.option("process_slots", 200))
    asyncio.run(amain(profile, slots))


if __name__ == "__main__":
    main()
