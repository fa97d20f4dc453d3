"""The runner (paper, section 3.1): one event loop driving many processes at once.

Each process is driven by one task. User code — a work chain's steps and conditions, and
everything they call — runs in a thread of the runner's pool, never on the loop, so a
step that computes for minutes does not stop the loop from committing other processes'
writes, answering broker heartbeats or delivering broadcasts.

Writes: a step's changes (new nodes, links, outputs, state, checkpoint, reports) are one
:class:`~graphflow.store.WriteBatch`, handed to the group-commit writer without waiting,
so the next step runs while the previous one commits. The writer commits batches in
order, whole or not at all, so the store always holds a consistent prefix of every
process's history: some step's checkpoint with all the writes of the steps before it.
Anything seen outside the process waits until its writes are durable: the result handed
to ``run``'s caller, a parent woken by its child, a task acknowledged to the broker.

Slots bound the processes running a step at the same time; a process waiting for its
children holds no slot and no thread, only its in-memory state. A daemon worker keeps a
bounded number of them so (``waiting_in_memory``) and parks the rest in the store
(:mod:`graphflow.engine._parking`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import warnings
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphflow import _loop
from graphflow.broker import Communicator, RpcReply, RpcRequest, StateMessage, TaskMessage
from graphflow.config import lease_settings
from graphflow.engine._caching import acached_outputs
from graphflow.engine._calcjob import CalcJob
from graphflow.engine._caller_thread import CallerThread
from graphflow.engine._checkpoint import dumps
from graphflow.engine._context import current_process
from graphflow.engine._exit_codes import ExitCode
from graphflow.engine._function_process import FunctionProcess, run_function_step
from graphflow.engine._interrupt import wait_for_run
from graphflow.engine._jobs import JobDriver
from graphflow.engine._lease import LeaseKeeper
from graphflow.engine._outline import Return, Step, next_position
from graphflow.engine._owner import job_elsewhere, owners_alive, this_owner
from graphflow.engine._parking import parking_props, wake_parked_caller
from graphflow.engine._process import Process, exit_called, exit_code_of, nest_outputs
from graphflow.engine._reach import control
from graphflow.engine._states import Event
from graphflow.engine._workchain import WorkChain
from graphflow.errors import (
    GraphflowError,
    NotWrittenError,
    OwnershipLostError,
    ProcessError,
    ProcessFailedError,
    ProcessStateError,
    StoreUnavailableError,
)
from graphflow.orm import (
    Backend,
    CalculationNode,
    PendingWrite,
    ProcessNode,
    ProcessReader,
    WriteScope,
    aload_nodes,
    get_backend,
)
from graphflow.store import WriteBatch, query
from graphflow.types import ProcessState

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from graphflow.orm import Node


__all__ = ["GRACE", "ProcessHandle", "Runner", "get_runner", "run_function", "run_process"]

#: pks kept reserved before a step runs: a step storing up to this many nodes never waits
#: for the store to number them (one storing more fetches the rest through the loop)
STEP_PK_RESERVE = 256

log = logging.getLogger(__name__)

#: called on the loop with every state change a runner of this interpreter makes durable
#: (the command line's live tree of ``graphflow run``); an observer must not block
state_observers: list[Callable[[StateMessage], None]] = []

#: a process may have this many commits in flight before its next step waits for one
MAX_WRITES_IN_FLIGHT = 16
TERMINAL_STATES = frozenset(s.value for s in ProcessState if s.is_terminal)
#: seconds between the checks of awaited children in the store (a net under broadcasts)
SWEEP_INTERVAL = 30.0
#: seconds the body of a process function created here may run before the creation is
#: written on its own (so that a long one shows as running); a quicker one is written
#: with its body's writes, in one commit
GRACE = 0.5


@dataclass(eq=False)
class ProcessHandle:
    """A process this runner drives, and how to control it."""

    process: Process
    terminated: asyncio.Future[None]
    play: asyncio.Event = field(default_factory=asyncio.Event)
    kill_message: str | None = None
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    writes: list[asyncio.Future[None]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    borrows_slot: bool = False
    exception: BaseException | None = None
    #: changes made between steps (resuming, pausing), written with the next step
    pending: WriteScope | None = None
    #: its writes handed to the writer and not settled yet (a step's reads wait for them)
    unsettled: list[PendingWrite] = field(default_factory=list)
    #: the last state (and paused flag) announced to listeners, and the announcement chain
    announced: tuple[str, bool] | None = None
    announcing: asyncio.Future[None] | None = None
    #: set to stop driving at the next step boundary, leaving the process as it is
    detached: bool = False
    #: the process's latest write: the next one continues it (lands only if it did)
    last_write: asyncio.Future[None] | None = None
    #: the first of its writes that failed: the process ends excepted at the next boundary
    write_error: BaseException | None = None
    #: another runner owns the process now: this one stops driving it and writes nothing
    taken_over: bool = False
    #: where its user code runs (None: the runner's pool; a top-level process function's
    #: body runs in the thread that called it)
    executor: Executor | None = None
    #: a process function created here whose creation (in ``pending``) is not written yet
    unwritten: bool = False
    #: writes the creation on its own if the body outlasts GRACE
    grace: asyncio.TimerHandle | None = None
    #: parked in the store while it waits (engine._parking): this runner let it go
    parked: bool = False
    #: a caller waits for its end here (``Runner.run``): it is never parked
    awaited: bool = False
    #: the store did not take its writes within their deadline: it was let go where its
    #: last durable checkpoint left it, not ended (see Runner._leave_for_the_store)
    store_away: bool = False

    @property
    def node(self) -> ProcessNode:
        return self.process.node


class Runner:
    """Drives processes on graphflow's loop for one profile's backend."""

    def __init__(self, backend: Backend, *, slots: int = 200) -> None:
        self.backend = backend
        self.slots = slots
        self._slots = asyncio.Semaphore(slots)
        self._executor = ThreadPoolExecutor(
            max_workers=max(64, slots * 2), thread_name_prefix="graphflow-step"
        )
        self._handles: dict[str, ProcessHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        #: messaging, when a broker is configured; children are published as tasks when
        #: ``publish_children`` (daemon workers), else they run here
        self.communicator: Communicator | None = None
        self.publish_children = False
        self._external: dict[str, asyncio.Future[None]] = {}
        #: children whose tasks this runner published and that have not ended yet
        self._published: set[str] = set()
        #: set whenever a process stops needing a slot (it waits, or it ended)
        self.capacity = asyncio.Event()
        #: runs the transport tasks of calculation jobs (made on first use)
        self._jobs: JobDriver | None = None
        #: reads woken parents' children together (a fan-in wakes thousands at once)
        self._reader = ProcessReader(backend)
        #: this runner's lease in the store: a daemon worker's, or (on a store that other
        #: hosts share) one of its own, so that other hosts can tell whether the processes
        #: it owns are still driven (engine._owner)
        self.lease: LeaseKeeper | None = None
        #: work chains waiting for children kept in memory before more are parked in the
        #: store (engine._parking); None: never park (set by daemon workers only, whose
        #: children run wherever their tasks go)
        self.waiting_in_memory: int | None = None

    @property
    def jobs(self) -> JobDriver:
        """The calculation-job driver: this runner's transport queue and job manager."""
        if self._jobs is None:
            self._jobs = JobDriver(self)
        return self._jobs

    # --- launching ----------------------------------------------------------------------

    def handle(self, uuid: str) -> ProcessHandle | None:
        """The handle of a process this runner drives, by node uuid."""
        return self._handles.get(uuid)

    @property
    def active(self) -> list[ProcessHandle]:
        return list(self._handles.values())

    def busy_count(self) -> int:
        """Processes that need a slot: held here and not waiting for children."""
        return sum(1 for h in self._handles.values() if h.process.state is not ProcessState.WAITING)

    def detach_all(self) -> list[ProcessHandle]:
        """Stop driving every process at its next step boundary, leaving each where it is
        (a graceful stop hands them back to the broker for another runner)."""
        handles = list(self._handles.values())
        for handle in handles:
            _detach(handle)
        return handles

    def start(
        self, process: Process, *, borrows_slot: bool = False, executor: Executor | None = None
    ) -> ProcessHandle:
        """Begin driving ``process`` (its task is owned by this runner); its user code runs
        in ``executor`` (default: the runner's pool)."""
        loop = asyncio.get_running_loop()
        handle = ProcessHandle(
            process, loop.create_future(), borrows_slot=borrows_slot, executor=executor
        )
        if not process.node.paused:
            handle.play.set()
        self._handles[process.node.uuid] = handle
        name = f"process {process.process_label()} pk {process.node.pk}"
        task = loop.create_task(self._drive(handle), name=name)
        handle.task = task
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return handle

    async def run(
        self, process: Process, *, borrows_slot: bool = False, executor: Executor | None = None
    ) -> ProcessHandle:
        """Drive ``process`` to a terminal state; its writes are durable when this returns."""
        if process.store_provenance:
            await self.keep_lease()
        handle = self.start(process, borrows_slot=borrows_slot, executor=executor)
        handle.awaited = True
        await asyncio.shield(handle.terminated)
        return handle

    async def keep_lease(self) -> None:
        """Keep a lease for this interpreter before it owns a process, if other hosts may
        judge its processes: on a Neo4j store (the embedded ArcadeDB serves one host, where
        ``/proc`` tells). A daemon worker keeps its own (``self.lease`` is set)."""
        profile = self.backend.profile
        if self.lease is not None or profile.store.kind == "embedded":
            return
        seconds, renew = lease_settings(profile.name, profile.options)
        self.lease = lease = LeaseKeeper(
            self.backend.store,
            owner=this_owner(),
            profile=profile.name,
            figures=lambda: {"busy": len(self._handles)},
            seconds=seconds,
            renew=renew,
            kind="interpreter",
        )
        try:
            await lease.start()
        except BaseException:
            self.lease = None  # the next run tries again
            raise

    async def attach(self, communicator: Communicator, *, publish_children: bool) -> None:
        """Announce state changes through ``communicator`` and answer its RPC requests."""
        self.communicator = communicator
        self.publish_children = publish_children
        await communicator.subscribe_states(self._on_state)
        await communicator.serve_rpc(self._on_rpc)
        reconnected = getattr(communicator, "reconnected", None)
        if reconnected is not None:
            # broadcasts sent while the connection was down are lost: look in the store
            reconnected.append(self.check_awaited)
        if publish_children:
            sweeper = asyncio.get_running_loop().create_task(self._sweep_awaited())
            self._tasks.add(sweeper)
            sweeper.add_done_callback(self._tasks.discard)

    async def check_awaited(self) -> None:
        """Wake waiters whose children ended without their broadcast reaching us."""
        if self._external:
            self._wake_terminated(await aload_nodes(self.backend, list(self._external)))

    def _wake_terminated(self, nodes: Mapping[str, Node]) -> None:
        for uuid, node in nodes.items():
            if isinstance(node, ProcessNode) and node.is_terminated:
                self._wake(uuid)

    def _wake(self, uuid: str) -> None:
        waiter = self._external.pop(uuid, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _sweep_awaited(self) -> None:
        """A safety net under the broadcasts and the holds, at a slow pace: one store query
        for every awaited child. It wakes the parents of children that ended unannounced,
        and queues again a child whose runner died if nobody took it over since the last
        sweep (its task comes back from the dead runner's hold; this catches a lost one)."""
        suspects: set[str] = set()
        while True:
            await asyncio.sleep(SWEEP_INTERVAL)
            try:
                if not self._external:
                    continue
                nodes = await aload_nodes(self.backend, list(self._external))
                self._wake_terminated(nodes)
                suspects = await self._requeue_orphans(nodes, suspects)
            except Exception as exc:
                log.warning("checking awaited children failed: %s", exc)

    async def _requeue_orphans(self, nodes: Mapping[str, Node], suspects: set[str]) -> set[str]:
        """Queue again the awaited children whose owner is gone (a dead runner of this
        host, or any runner whose lease expired) and that were already ``suspects`` at the
        last sweep; the new suspects."""
        owned = {
            uuid: node
            for uuid, node in nodes.items()
            if isinstance(node, ProcessNode) and not node.is_terminated and node.owner
        }
        alive = await owners_alive(self.backend.store, {node.owner for node in owned.values()})
        orphans = {uuid: node for uuid, node in owned.items() if alive[node.owner] is False}
        for uuid in orphans.keys() & suspects:
            node = orphans[uuid]
            log.warning(
                "awaited child %s is owned by %s, which is gone, and nobody took it over: "
                "queueing it again",
                node._ident(),
                node.owner,
            )
            assert self.communicator is not None  # the sweep runs when attached
            await self.communicator.publish_task(TaskMessage(uuid, node.pk))
        return orphans.keys() - suspects

    def _on_state(self, message: StateMessage) -> None:
        if message.state in TERMINAL_STATES:
            self._wake(message.uuid)

    async def _on_rpc(self, request: RpcRequest) -> RpcReply | None:
        if request.action == "holds":
            return RpcReply(True, data={"uuids": list(self._handles)})
        handle = self._handles.get(request.uuid)
        if handle is None:
            return None  # not ours: whoever runs it answers
        node = handle.node
        refusal = self.refusal(node.uuid, request.action)
        if refusal is not None:
            return RpcReply(False, refusal, {"refused": True})
        if request.action == "pause":
            await self.pause(node.uuid)
        elif request.action == "play":
            await self.play(node.uuid)
        elif request.action == "kill":
            await self.kill(node.uuid, request.message or "killed by the user")
        state = handle.process.state.value
        return RpcReply(True, f"{request.action}: {node._ident()} ({state})", {"state": state})

    # --- control ------------------------------------------------------------------------

    def refusal(self, uuid: str, action: str) -> str | None:
        """Why ``action`` (from a user, not Ctrl-C in the caller) cannot be done to process
        ``uuid`` that this runner drives; None if it can. A process function's body is one
        call of the user's Python, which nothing can stop halfway but its own thread's
        Ctrl-C: pausing or killing it while it runs would only be a false success."""
        handle = self._handles.get(uuid)
        if (
            handle is None
            or action not in ("pause", "kill")
            or not isinstance(handle.process, FunctionProcess)
            or handle.process.state is not ProcessState.RUNNING
        ):
            return None
        return (
            f"{handle.node._ident()} is a process function running its body, which cannot be "
            f"{'paused' if action == 'pause' else 'killed'} from outside; interrupt the "
            "program that runs it (Ctrl-C), or wait for it to end"
        )

    async def pause(self, uuid: str) -> bool:
        handle = self._handles.get(uuid)
        if handle is None or _ending(handle):
            return False
        if not handle.node.paused:
            handle.play.clear()
            handle.wakeup.set()  # a job waiting for its scheduler stops waiting
            await self._write_now(handle, handle.node._state_update(paused=True))
        return True

    async def play(self, uuid: str) -> bool:
        handle = self._handles.get(uuid)
        if handle is None or _ending(handle):
            if handle is not None:
                handle.play.set()  # a kill waits for nothing
            return False
        if handle.node.paused:
            await self._write_now(handle, handle.node._state_update(paused=False))
        handle.play.set()
        return True

    async def kill(self, uuid: str, message: str = "killed by the user") -> bool:
        """Kill a process and, recursively, the children it waits for."""
        handle = self._handles.get(uuid)
        if handle is None:
            return False
        if handle.kill_message is None:
            handle.kill_message = message
            handle.wakeup.set()
            handle.play.set()
        return True

    async def interrupt(self, uuid: str, message: str) -> None:
        """Kill a process and every process this runner drives on its behalf (children it
        awaits, and those a step of it runs with ``run()`` and waits for)."""
        for handle in self._tree(uuid):
            await self.kill(handle.node.uuid, message)

    def _tree(self, uuid: str) -> list[ProcessHandle]:
        """The process ``uuid`` and every process this runner drives on its behalf."""
        return [h for h in self._handles.values() if h.node.uuid == uuid or self._runs_for(h, uuid)]

    def _runs_for(self, handle: ProcessHandle, uuid: str) -> bool:
        caller = handle.process.caller_uuid
        seen: set[str] = set()
        while caller is not None and caller not in seen:
            if caller == uuid:
                return True
            seen.add(caller)
            parent = self._handles.get(caller)
            caller = parent.process.caller_uuid if parent is not None else None
        return False

    def detach(self, uuid: str) -> None:
        """Stop driving a process and its tree at their next step boundary, leaving them as
        their last checkpoints say (to be resumed), without a kill or a further write."""
        for handle in self._tree(uuid):
            _detach(handle)

    async def _write_now(self, handle: ProcessHandle, props: dict[str, Any]) -> None:
        scope = WriteScope(self.backend)
        scope.update(handle.node, props)
        batch = scope.take().batch
        future = self._submit(handle, batch, ends=False)
        self._announce_after(handle, future)
        await asyncio.shield(future)  # a cancelled caller must not cancel the write

    def _submit(
        self, handle: ProcessHandle, batch: WriteBatch, *, ends: bool
    ) -> asyncio.Future[None]:
        """Hand a write of the process to the writer, after its previous one.

        It lands only if the previous one did (the store keeps a consistent prefix of
        the process's history), unless it only records the process's end (``ends``: a
        terminal state, logs, nothing new): that lands whatever failed before it.
        """
        independent = ends and not any(batch.creates.values()) and not any(batch.links.values())
        future = self.backend.writer.submit(batch, after=None if independent else handle.last_write)
        handle.last_write = future
        handle.writes.append(future)

        def note_failure(done: asyncio.Future[None]) -> None:
            if handle.write_error is None and not done.cancelled() and done.exception():
                handle.write_error = done.exception()
                handle.wakeup.set()  # a process waiting for its children ends now,
                handle.play.set()  # and so does a paused one: it cannot go on

        future.add_done_callback(note_failure)
        return future

    def _announce_after(self, handle: ProcessHandle, future: asyncio.Future[None]) -> None:
        """Broadcast the process's state once ``future`` (its write) is durable, in order."""
        process = handle.process
        current = (process.state.value, process.node.paused)
        if current == handle.announced or (self.communicator is None and not state_observers):
            return
        handle.announced = current
        message = StateMessage(
            uuid=process.node.uuid,
            pk=process.node.pk,
            state=current[0],
            paused=current[1],
            exit_status=process.node.exit_status,
            caller=process.caller_uuid,
            label=process.process_label(),
        )
        previous = handle.announcing
        communicator = self.communicator

        async def announce() -> None:
            if previous is not None:
                with contextlib.suppress(Exception):
                    await previous
            try:
                await future
                for observer in state_observers.copy():  # the CLI may remove one meanwhile
                    observer(message)
                if communicator is not None:
                    await communicator.broadcast_state(message)
            except Exception as exc:
                log.warning("could not announce %s %s: %s", message.label, message.state, exc)

        task = asyncio.get_running_loop().create_task(announce())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        handle.announcing = task

    # --- driving ------------------------------------------------------------------------

    async def _drive(self, handle: ProcessHandle) -> None:
        process = handle.process
        stepped = False  # whether a step ran here (else it was resumed or just began)
        try:
            if process.state is ProcessState.CREATED:
                await self._begin(handle)
            while not process.state.is_terminal:
                if handle.detached:
                    break
                if handle.write_error is not None:
                    raise handle.write_error
                if handle.kill_message is not None:
                    await self._kill(handle, handle.kill_message)
                    break
                if not handle.play.is_set():
                    await self._wait_for_play(handle)
                    continue
                if process.state is ProcessState.WAITING and not isinstance(process, CalcJob):
                    # one that launched its children here parks without asking whether
                    # they ended: the look after the park finds those that did
                    if self._should_park(handle) and (
                        stepped or await self._children_running(handle)
                    ):
                        await self._park(handle)
                        if handle.kill_message is None or not await self._unpark(handle):
                            break
                        continue  # a kill came while it was parking: killed here
                    self.capacity.set()
                    await self._wait_for_children(handle)
                    continue
                await self._step(handle)
                stepped = True
        except OwnershipLostError as exc:
            # another runner took it over (this one was cut off): it continues the
            # process and its children; here nothing more is written
            handle.taken_over = True
            log.warning("%s: %s; this runner lets it go", process.process_label(), exc)
        except Exception as exc:  # the process's own failure: record it, never lose the task
            try:
                await self._fail(handle, exc)
            except Exception as failed:  # never an unretrieved error in the drive's task
                log.exception("%s: recording how it ended failed", process.process_label())
                handle.exception = handle.exception or failed
        except asyncio.CancelledError:
            handle.exception = ProcessError(f"{process.process_label()} was cancelled")
            raise
        finally:
            await self._finish(handle)

    async def _fail(self, handle: ProcessHandle, exc: Exception) -> None:
        """Record the failure ``exc`` of a driven process: killed if a kill caused it,
        left for the store if the store was away, else excepted."""
        process = handle.process
        if handle.kill_message is not None and not handle.detached:
            # the step failed because the kill reached what it was waiting for (a child
            # it ran): the process is killed, as asked, not excepted
            await self._kill(handle, handle.kill_message)
        elif process.store_provenance and _store_away(exc, handle):
            self._leave_for_the_store(handle, exc)
        else:
            handle.exception = exc
            await self._except(handle, exc)

    async def _begin(self, handle: ProcessHandle) -> None:
        """CREATED → RUNNING, written at once; a process created here (a top-level ``run``)
        is created in the same write. A process function's is written with its body's
        writes instead, or on its own once the body has run for :data:`GRACE` seconds: a
        quick function is one commit, a long one shows as running. (A work chain's is not
        deferred: one killed in its first step must still be there to resume.)"""
        process = handle.process
        scope = handle.pending = WriteScope(self.backend)  # written with the end if START fails
        creating = process.store_provenance and not process.node.is_stored
        if creating:
            await self.in_thread(process._write_creation, scope, executor=handle.executor)
        props = await self.transition(handle, scope, Event.START)
        if process.store_provenance:  # else nothing is written, and inputs may be unstored
            props["checkpoint"] = dumps(process.checkpoint())
            props["owner"] = this_owner()
        scope.update(process.node, props)
        if creating and isinstance(process, FunctionProcess):
            handle.unwritten = True
            handle.grace = asyncio.get_running_loop().call_later(
                GRACE, self._write_unwritten, handle
            )
        else:
            handle.pending = None
            self.commit(handle, scope)
        process.node.owner = props.get("owner")  # the process's later writes are fenced by it

    def _write_unwritten(self, handle: ProcessHandle) -> None:
        """Write the creation of a process function created here, if its body has not."""
        if handle.grace is not None:
            handle.grace.cancel()
            handle.grace = None
        if handle.unwritten:
            self.commit(handle, WriteScope(self.backend))

    async def in_thread(
        self, fn: Callable[..., Any], *args: Any, executor: Executor | None = None
    ) -> Any:
        """Run user code (or code that calls it) in the pool (or ``executor``), never on
        the loop.

        The pks it may need are reserved first, on the loop: what runs in the thread
        takes them without waiting and never calls back into the loop.
        """
        try:
            await self.backend.pks.ensure(STEP_PK_RESERVE)
        except GraphflowError as exc:
            # only a reserve: user code that stores nodes asks the store itself, and
            # fails there if the store is really gone; code that stores none runs
            log.warning("could not reserve pks before a step (%s); the step asks for its own", exc)
        if executor is None:  # a pool thread: what it raises reaches the loop
            return await asyncio.get_running_loop().run_in_executor(
                self._executor, _without_exit, fn, *args
            )
        return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)

    async def transition(
        self, handle: ProcessHandle, scope: WriteScope, event: Event, **change: Any
    ) -> dict[str, Any]:
        """The one way a driven process changes state: the state table decides, here, and
        the change joins ``scope``; the properties to write are returned. The process's
        transition hooks are user code: if its class has any, the change runs in the
        step's thread (what they store or report joins ``scope``), never on the loop."""
        process = handle.process
        if not process.hooks_transitions():
            return process.transition(event, **change)

        scope.follow(self._earlier(handle))  # what the hooks read: what it wrote before

        def with_hooks() -> dict[str, Any]:
            with process.running_in(scope):
                return process.transition(event, **change)

        props: dict[str, Any] = await self.in_thread(with_hooks, executor=handle.executor)
        return props

    async def conclude(
        self, handle: ProcessHandle, scope: WriteScope, code: ExitCode | None
    ) -> None:
        """Turn a step's outcome into the process's next state and checkpoint, in
        ``scope``: it finishes with ``code``; or, without one, it waits for the children
        it awaits, or carries on with its next step."""
        process = handle.process
        if code is not None:
            props = await self.transition(
                handle, scope, Event.FINISH, exit_status=code.status, exit_message=code.message
            )
        elif isinstance(process, WorkChain) and process.awaiting:
            props = await self.transition(handle, scope, Event.WAIT)
            props["checkpoint"] = dumps(process.checkpoint())
        else:
            props = {"checkpoint": dumps(process.checkpoint())}
        scope.update(process.node, props)

    def slot(self, handle: ProcessHandle) -> contextlib.AbstractAsyncContextManager[Any]:
        """A step's turn among the runner's slots (a parent blocked in ``run`` lends its own)."""
        return contextlib.nullcontext() if handle.borrows_slot else self._slots

    def commit(self, handle: ProcessHandle, scope: WriteScope, *, ends: bool = False) -> None:
        """Hand the scope's writes to the writer; do not wait (see the module docstring)."""
        taken = [handle.pending.take()] if handle.pending is not None else []
        handle.pending, handle.unwritten = None, False
        taken.append(scope.take())
        if not handle.process.store_provenance:
            for part in taken:
                part.settle(durable=False)
            return
        batch = taken[0].batch
        for part in taken[1:]:
            batch.extend(part.batch)
        if handle.node.owner is not None and not batch.creates_node(handle.node.uuid):
            batch.fence(handle.node.uuid, handle.node.owner)
        if not batch:
            for part in taken:
                part.settle(durable=True)
            return
        future = self._submit(handle, batch, ends=ends)
        handle.unsettled.extend(taken)

        def settle(done: asyncio.Future[None]) -> None:
            durable = not done.cancelled() and done.exception() is None
            for part in taken:
                part.settle(durable=durable)
                handle.unsettled.remove(part)

        future.add_done_callback(settle)
        self._announce_after(handle, future)

    async def _throttle(self, handle: ProcessHandle) -> None:
        if len(handle.writes) > MAX_WRITES_IN_FLIGHT:
            done, handle.writes = (
                handle.writes[:-MAX_WRITES_IN_FLIGHT],
                handle.writes[-MAX_WRITES_IN_FLIGHT:],
            )
            await _settled(done)

    async def _durable(self, handle: ProcessHandle) -> None:
        """Wait until every write of the process so far is committed."""
        writes, handle.writes = handle.writes, []
        await _settled(writes)

    async def _step(self, handle: ProcessHandle) -> None:
        process = handle.process
        if isinstance(process, CalcJob):
            await self.jobs.advance(handle)
            if process.state is ProcessState.WAITING:
                self.capacity.set()
            return
        if isinstance(process, FunctionProcess):
            cached = await self._cached(process)
            step = functools.partial(run_function_step, cached=cached)
            await self.run_step(handle, step, keep_failed=True)
            return
        if not isinstance(process, WorkChain):
            raise ProcessError(f"the runner cannot drive {type(process).__name__} processes")
        await self._throttle(handle)
        await self.run_step(handle, _run_step)
        children = process.submitted
        process.submitted = []
        if children:
            await self._launch_children(handle, children)

    def _earlier(self, handle: ProcessHandle) -> list[PendingWrite | WriteScope]:
        """The process's writes not durable yet: a step's reads wait for them."""
        earlier: list[PendingWrite | WriteScope] = [*handle.unsettled]
        if handle.pending is not None:
            earlier.append(handle.pending)
        return earlier

    async def run_step(
        self,
        handle: ProcessHandle,
        run: Callable[[Any, WriteScope], ExitCode | None],
        *,
        keep_failed: bool = False,
    ) -> None:
        """A step: ``run(process, scope)`` (user code) in the pool, in its turn among the
        slots, returns its outcome, which :meth:`conclude` turns into the next state here;
        the step's writes are committed after it, with what was pending. If it fails they
        are rolled back, and only its log rows are kept, to be written with whatever
        records the failure; unless ``keep_failed`` (a process function's body, its one
        step): then they are committed, as AiiDA keeps what a failed function stored and
        the processes it called, each recorded with how it ended."""
        scope = WriteScope(self.backend)
        scope.follow(self._earlier(handle))  # what the step reads: what it wrote before
        async with self.slot(handle):
            try:
                code = await self.in_thread(run, handle.process, scope, executor=handle.executor)
                await self.conclude(handle, scope, code)
            except BaseException:
                if keep_failed:
                    self.commit(handle, scope)
                    raise
                kept = handle.pending or WriteScope(self.backend)
                for row in scope.rollback():
                    kept.add_log(row)
                handle.pending = kept
                raise
        self.commit(handle, scope)

    async def _cached(self, process: FunctionProcess) -> dict[str, Node] | None:
        """A calcfunction's outputs copied from a finished twin, if caching serves it
        (asked on the loop, before its body would run); its hash was fixed when it was
        created."""
        node = process.node
        if not (process.store_provenance and isinstance(node, CalculationNode)):
            return None
        return await acached_outputs(self.backend, node)

    async def _launch_children(self, handle: ProcessHandle, children: list[Process]) -> None:
        if self.publish_children and self.communicator is not None:
            # a task must never point at a child whose creation is not committed yet
            await self._durable(handle)
            for child in children:
                self._published.add(child.node.uuid)
                await self.communicator.publish_task(TaskMessage(child.node.uuid, child.node.pk))
            return
        for child in children:
            # its writes land only after the parent's write that created it did
            self.start(child).last_write = handle.last_write

    async def _wait_for_play(self, handle: ProcessHandle) -> None:
        await self._durable(handle)
        await handle.play.wait()

    def _should_park(self, handle: ProcessHandle) -> bool:
        """Whether a waiting work chain is to be parked: this runner keeps as many as it
        may in memory already."""
        limit = self.waiting_in_memory
        process = handle.process
        if limit is None or handle.awaited or self.communicator is None:
            return False
        if not isinstance(process, WorkChain) or not process.store_provenance:
            return False
        if not process.awaiting:
            return False
        waiting = sum(
            1
            for other in self._handles.values()
            if other is not handle
            and other.process.state is ProcessState.WAITING
            and not isinstance(other.process, CalcJob)
        )
        return waiting >= limit

    async def _children_running(self, handle: ProcessHandle) -> bool:
        """Whether a child that a process resumed here waits for has not ended (a parked
        process woken by its last child's end is continued, not parked again)."""
        process = handle.process
        assert isinstance(process, WorkChain)
        # through the reader, as the wait reads them: a crowd woken at once is one query
        nodes = await asyncio.gather(
            *(self._reader.load(entry["uuid"]) for entry in process.awaiting)
        )
        running = [node for node in nodes if node is not None and not node.is_terminated]
        for node in running:
            await self._queue_if_never_taken(node)
        # one that is missing is not waited for here: waiting raises for it
        return bool(running)

    async def _queue_if_never_taken(self, node: ProcessNode) -> None:
        """Queue a child that no runner ever took and this one did not publish: the
        parent came from a checkpoint, and its runner may have died between committing
        the step that created the child and publishing its task (the commit must come
        first). If the first task exists after all, the claim drops one."""
        if node.owner is None and node.parked_on is None and node.uuid not in self._published:
            assert self.communicator is not None  # children are published: there is one
            log.info("queueing awaited child %s again (it was never taken)", node.uuid)
            await self.communicator.publish_task(TaskMessage(node.uuid, node.pk))

    async def _park(self, handle: ProcessHandle) -> None:
        """Give the process up to the store until its children end (engine._parking)."""
        process = handle.process
        assert isinstance(process, WorkChain)
        awaited = [entry["uuid"] for entry in process.awaiting]
        scope = WriteScope(self.backend)
        scope.update(process.node, parking_props(awaited))
        self.commit(handle, scope)
        await self._durable(handle)
        process.node.owner, process.node.parked_on = None, awaited
        handle.parked = True

    async def _unpark(self, handle: ProcessHandle) -> bool:
        """Take a process just parked back (a kill came meanwhile, which its drive loop
        then applies); False if another runner took it first (the kill is passed on)."""
        node = handle.node
        me = this_owner()
        claimed = await self.backend.store.write(
            query("engine.claim_process"), uuid=node.uuid, previous=None, owner=me
        )
        if claimed:
            node.owner, node.parked_on, handle.parked = me, None, False
            return True
        message = handle.kill_message or ""

        async def pass_on() -> None:
            await asyncio.shield(handle.terminated)  # no longer driven here
            await self._kill_elsewhere(node.uuid, message)

        task = asyncio.get_running_loop().create_task(pass_on())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return False

    async def _wait_for_children(self, handle: ProcessHandle) -> None:
        """Wait (without a slot) until every awaited child is terminated, then resume."""
        process = handle.process
        assert isinstance(process, WorkChain)
        waits = [self._child_terminated(entry["uuid"]) for entry in process.awaiting]
        handle.wakeup.clear()
        gathered = asyncio.ensure_future(asyncio.gather(*waits))
        woken: asyncio.Future[Any] = asyncio.ensure_future(handle.wakeup.wait())
        racing: list[asyncio.Future[Any]] = [gathered, woken]
        try:
            await asyncio.wait(racing, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
        if not gathered.done():
            gathered.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await gathered
            return  # woken for a kill or a detach: the drive loop handles it
        nodes = gathered.result()
        by_uuid = {node.uuid: node for node in nodes}
        for entry in process.awaiting:
            process._deliver(entry, by_uuid[entry["uuid"]])
        process.awaiting = []
        scope = handle.pending or WriteScope(self.backend)
        scope.update(process.node, await self.transition(handle, scope, Event.RESUME))
        handle.pending = scope

    async def _child_terminated(self, uuid: str) -> ProcessNode:
        """The node of a child once it is terminated (and durably so)."""
        try:
            return await self._wait_for_child(uuid)
        finally:
            self._published.discard(uuid)  # however the wait ended, the entry has served

    async def _wait_for_child(self, uuid: str) -> ProcessNode:
        child = self._handles.get(uuid)
        if child is not None:
            await asyncio.shield(child.terminated)
            if child.store_away and child.exception is not None:
                raise child.exception  # the store is away for the parent too
            if not child.parked:
                return child.node
            # parked here meanwhile: it ends wherever its task goes, like any other
        if self.publish_children and self.communicator is not None:
            # the child runs wherever its task went: wake up on its termination broadcast,
            # and look in the store once after subscribing so a fast child is never missed
            waiter = self._external.get(uuid)
            if waiter is None or waiter.cancelled():
                waiter = asyncio.get_running_loop().create_future()
                self._external[uuid] = waiter
            node = await self._load_process(uuid)
            if node.is_terminated:
                self._external.pop(uuid, None)
                return node
            await self._queue_if_never_taken(node)
            # shielded: a pause cancels this wait, and must not cancel the waiter that the
            # wait after play (or another parent) shares
            await asyncio.shield(waiter)
            return await self._load_process(uuid)
        node = await self._load_process(uuid)
        if node.is_terminated:
            return node
        resumed = await self.resume(node)
        await asyncio.shield(resumed.terminated)
        return resumed.node

    async def _load_process(self, uuid: str) -> ProcessNode:
        node = await self._reader.load(uuid)
        if node is None:
            raise ProcessError(f"awaited child process {uuid} does not exist")
        return node

    def _end_scope(self, handle: ProcessHandle) -> WriteScope:
        """The scope of the write that ends the process: what was pending, unless one of
        its writes failed; then only the pending reports are kept, so that the record of
        the end lands on its own, after the consistent prefix the store has."""
        scope, handle.pending = handle.pending, None
        if handle.write_error is None:
            return scope or WriteScope(self.backend)
        kept = WriteScope(self.backend)
        for row in scope.rollback() if scope is not None else []:
            kept.add_log(row)
        return kept

    async def _except(self, handle: ProcessHandle, exc: BaseException) -> None:
        process = handle.process
        log.info("%s excepted: %s", process.process_label(), exc)
        scope = self._end_scope(handle)
        with process.running_in(scope):
            exit_message = process._log_exception(exc)  # kept as an ERROR, logged at REPORT
        if not process.state.is_terminal:
            props = await self.transition(handle, scope, Event.EXCEPT, exit_message=exit_message)
            scope.update(process.node, props)
        self.commit(handle, scope, ends=True)
        await self._kill_children(handle, f"the parent {process.process_label()} excepted")

    def _leave_for_the_store(self, handle: ProcessHandle, exc: BaseException) -> None:
        """The store did not answer within the deadline: a process is never excepted for
        that. What is durable is its last checkpoint, with everything before it; the
        process is let go there (nothing more is written), to be continued from it once
        the store is back: a daemon worker then pauses it there (``process play``
        continues it); elsewhere ``process resume`` does."""
        process = handle.process
        handle.store_away = True
        pk = process.node.pk
        handle.exception = StoreUnavailableError(
            f"{process.process_label()} pk {pk} is left at its last checkpoint, not ended: "
            f"the store did not take its writes ({exc}). Once the store answers again, "
            f"'graphflow process resume {pk}' continues it (a daemon pauses it there: "
            f"'graphflow process play {pk}')"
        )
        log.error("%s", handle.exception)

    async def _kill(self, handle: ProcessHandle, message: str) -> None:
        process = handle.process
        await self._kill_children(handle, f"the parent {process.process_label()} was killed")
        if isinstance(process, CalcJob):
            await self.jobs.cancel(handle)
        scope = self._end_scope(handle)
        scope.update(
            process.node, await self.transition(handle, scope, Event.KILL, exit_message=message)
        )
        self.commit(handle, scope, ends=True)

    async def _kill_children(self, handle: ProcessHandle, message: str) -> None:
        process = handle.process
        if not isinstance(process, WorkChain):
            return
        children = [self._handles.get(entry["uuid"]) for entry in process.awaiting]
        elsewhere = [
            self._kill_elsewhere(entry["uuid"], message)
            for entry, child in zip(process.awaiting, children, strict=True)
            if child is None
        ]
        await asyncio.gather(*elsewhere)  # at once: each may wait for an RPC answer
        for child in children:
            if child is not None and not child.process.state.is_terminal:
                await self.kill(child.node.uuid, message)
        for child in children:
            if child is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(child.terminated)

    async def _kill_elsewhere(self, uuid: str, message: str) -> None:
        """Kill a child that another runner (a daemon worker) holds, or that is queued.

        Only with a broker can a child run elsewhere; the kill goes the way a user's does
        (RPC to its holder, else through the store), and a failure is reported, not
        raised: the parent ends killed or excepted either way.
        """
        if self.communicator is None:
            return
        try:
            result = await control(self, uuid, "kill", message)
        except GraphflowError as exc:
            log.warning("could not kill the child %s: %s", uuid, exc)
        else:
            log.info("child %s: %s", uuid, result.message)

    async def _finish(self, handle: ProcessHandle) -> None:
        """Wait for durability, then tell everyone; a failed write fails the process."""
        try:
            self._write_unwritten(handle)  # detached before its first step committed
            await self._durable(handle)
            process = handle.process
            if process.state.is_terminal:
                process._cache_links()  # unstored too: its caller reads node.outputs
            if process.state.is_terminal and process.store_provenance:
                try:
                    await process._on_terminated(self)
                except Exception:
                    log.exception("%s: cleaning up after the end failed", process.process_label())
                await self._wake_parked_caller(process)
        except OwnershipLostError:
            handle.taken_over = True  # said in _drive: nothing of it is this runner's now
        except Exception as exc:
            process = handle.process
            if process.store_provenance and _store_away(exc, handle) and not handle.store_away:
                self._leave_for_the_store(handle, exc)  # its last writes did not land
            if handle.exception is None:
                handle.exception = exc
            if not handle.store_away:  # said already: its writes did not land
                log.error("could not write the end of %s: %s", handle.process.process_label(), exc)
        finally:
            self._handles.pop(handle.node.uuid, None)
            self.capacity.set()
            if handle.announcing is not None:
                with contextlib.suppress(Exception):
                    await handle.announcing
            if not handle.terminated.done():
                handle.terminated.set_result(None)

    async def _wake_parked_caller(self, process: Process) -> None:
        """Queue the caller of an ended process if it is parked and this was the last
        child it waited for (engine._parking). A caller this runner drives is not parked."""
        caller = process.caller_uuid
        if caller is None or self.communicator is None or caller in self._handles:
            return
        try:
            if await wake_parked_caller(self.backend, self.communicator, process.node.uuid):
                log.info(
                    "%s ended: its parked caller %s is queued", process.process_label(), caller
                )
        except GraphflowError as exc:  # a worker's sweep queues it later
            log.warning("could not wake the parked caller %s: %s", caller, exc)

    # --- resuming -----------------------------------------------------------------------

    async def resume(self, node: ProcessNode) -> ProcessHandle:
        """Continue a stored process from its checkpoint in this runner."""
        from graphflow.engine._resume import rebuild

        existing = self._handles.get(node.uuid)
        if existing is not None:
            return existing
        if node.is_terminated:
            raise ProcessStateError(f"{node._ident()} is already {node.process_state.value}")
        elsewhere = job_elsewhere(node)
        if elsewhere is not None:
            raise ProcessStateError(
                f"{node._ident()} has its job on host {elsewhere!r} (a computer reached with "
                "the local transport): only that host can continue it; resume it there"
            )
        process = await rebuild(self.backend, node)
        await self.keep_lease()  # before it owns it: other hosts judge it by the lease
        # compare-and-set on the owner the caller saw: of two interpreters resuming the
        # same crashed process at once, one runs it and the other is refused
        claimed = await self.backend.store.write(
            query("engine.claim_process"), uuid=node.uuid, previous=node.owner, owner=this_owner()
        )
        if not claimed:
            raise ProcessStateError(
                f"{node._ident()} was taken over by another runner meanwhile; "
                "it is not resumed here"
            )
        process.node.owner = this_owner()
        return self.start(process)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._jobs is not None:
            jobs, self._jobs = self._jobs, None  # closed once (close_runners, then at exit)
            await jobs.close()
        if self.lease is not None and self.lease.kind == "interpreter":
            lease, self.lease = self.lease, None
            await lease.stop()  # a worker ends its own, after handing its tasks back
        self._executor.shutdown(wait=False, cancel_futures=True)


async def _settled(writes: list[asyncio.Future[None]]) -> None:
    """Wait until every one of ``writes`` is settled, then raise the first failure.

    Waiting is shielded (a cancelled waiter leaves the writes to land) and does not stop
    at the first failure: the record of the end that may follow it is waited for too.
    """
    if not writes:
        return
    outcomes = await asyncio.gather(*(asyncio.shield(w) for w in writes), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


def _store_away(exc: BaseException, handle: ProcessHandle) -> bool:
    """Whether a process failed only because the store did not answer in time (its own
    read or write, or a write of its history refused after such a failure)."""
    return isinstance(exc, StoreUnavailableError) or (
        isinstance(exc, NotWrittenError) and isinstance(handle.write_error, StoreUnavailableError)
    )


def _ending(handle: ProcessHandle) -> bool:
    """Whether the process is ended or being killed: its paused flag is not written again
    (a write after the one that ends it would contradict it)."""
    return handle.kill_message is not None or handle.process.state.is_terminal


def _without_exit(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, with a ``sys.exit()`` in it turned into the process's failure: a
    SystemExit that reached the loop would stop graphflow's loop itself, and every
    process with it. (The caller's own thread re-raises it once the run ends:
    engine._caller_thread.)"""
    try:
        return fn(*args)
    except SystemExit as exc:
        raise exit_called(exc) from None


def _detach(handle: ProcessHandle) -> None:
    handle.detached = True
    handle.wakeup.set()
    handle.play.set()


def _run_step(process: WorkChain, scope: WriteScope) -> ExitCode | None:
    """One step of a work chain, in a pool thread: conditions, the step, its outputs;
    the exit code it finishes with (its outputs checked), or None to go on."""
    outline = process.spec().outline_instructions
    assert outline is not None
    with process.running_in(scope):
        return _advance(process, outline, scope)


def _advance(process: WorkChain, outline: Any, scope: WriteScope) -> ExitCode | None:
    def evaluate(condition: str) -> bool:
        predicate = getattr(process, condition)
        result = predicate()
        if not isinstance(result, bool):
            # AiiDA warns too: a predicate returning a node, a number or None is usually a
            # mistake (an Int(0) node is true). The warning points at the predicate.
            code = getattr(getattr(predicate, "__func__", predicate), "__code__", None)
            warnings.warn_explicit(
                f"{process.process_label()}.{condition} returned {type(result).__name__} "
                f"{result!r}, not a bool; it is taken as {bool(result)}",
                UserWarning,
                filename=code.co_filename if code else "<unknown>",
                lineno=code.co_firstlineno if code else 0,
                module=type(process).__module__,
            )
        return bool(result)

    written = set(process._outputs)
    found = next_position(outline, process.position, evaluate)
    code: ExitCode | None = None
    if found is None:
        code = ExitCode(0)
    else:
        instruction, path = found
        process.position = path
        if isinstance(instruction, Return):
            code = instruction.exit_code or ExitCode(0)
        else:
            assert isinstance(instruction, Step)
            result = getattr(process, instruction.name)()
            code = exit_code_of(result, process)
            if code is not None and code.status == 0:
                code = None  # a zero status carries on with the next step (paper 2.2.8)
            elif code is None and isinstance(result, dict):
                process.to_context(**result)
            elif code is None and result is not None:
                raise ProcessError(
                    f"{process.process_label()}.{instruction.name} returned "
                    f"{type(result).__name__}; a step returns None, an exit status, an "
                    "ExitCode or ToContext"
                )
    new_outputs = {k: v for k, v in process._outputs.items() if k not in written}
    if process.store_provenance and new_outputs:
        process._write_outputs(scope, new_outputs)
    return None if code is None else process.checked_exit_code(code)


# --- the interpreter's runner ----------------------------------------------------------

_runners: dict[str, Runner] = {}


async def get_runner(backend: Backend | None = None) -> Runner:
    """The runner of ``backend`` (default: the current profile's), made on first use."""
    backend = backend or await get_backend()
    runner = _runners.get(backend.profile.name)
    if runner is not None and runner.backend is not backend:
        runner = None  # its backend was closed (close_backends) and replaced: start afresh
    if runner is None:
        slots = int(backend.profile.option("process_slots", 200))
        runner = Runner(backend, slots=slots)
        _runners[backend.profile.name] = runner
        _loop.on_shutdown(runner.close)  # closes its connections to computers politely
        url = backend.profile.broker_url()
        if url:
            # other interpreters can then pause/kill and watch what runs here
            from graphflow.engine._messaging import communicator_for

            await runner.attach(await communicator_for(backend.profile), publish_children=False)
    return runner


async def close_runners() -> None:
    """Close this interpreter's runners while their stores still answer (they end their
    leases); at exit, each closes itself otherwise."""
    while _runners:
        _, runner = _runners.popitem()
        await runner.close()


def run_function(process: FunctionProcess) -> None:
    """``run`` for a top-level process function: the runner drives it like any process,
    and its body runs in this thread, which waits anyway (engine._caller_thread). What
    the body raised is raised here; Ctrl-C kills it as it kills a work chain."""
    here = CallerThread()

    async def drive() -> ProcessHandle:
        runner = await get_runner()
        return await runner.run(process, borrows_slot=True, executor=here)

    handle = wait_for_run(process, _loop.submit(drive()), get_runner, wait=here.serve_until)
    if handle.exception is not None:
        raise handle.exception
    if process.state is ProcessState.KILLED:
        raise ProcessFailedError(f"{process.node._ident()} was killed: {process.node.exit_message}")


def run_process(process_class: type[Process], inputs: dict[str, Any]) -> tuple[Any, ProcessNode]:
    """``run`` for a Process class: drive it here until it ends; re-raise if it excepted."""
    parent = current_process()
    process = process_class(inputs, parent=parent)

    async def drive() -> ProcessHandle:
        runner = await get_runner()
        # a parent blocked in its step lends its slot, so nested run() cannot deadlock
        return await runner.run(process, borrows_slot=parent is not None)

    handle = wait_for_run(process, _loop.submit(drive()), get_runner)
    node = process.node
    if handle.exception is not None:
        raise handle.exception  # the step's own error (or the store's), as the paper says
    if process.state is ProcessState.EXCEPTED:
        raise ProcessFailedError(f"{node._ident()} excepted: {node.exit_message}")
    if process.state is ProcessState.KILLED:
        raise ProcessFailedError(f"{node._ident()} was killed: {node.exit_message}")
    return nest_outputs(process.outputs), node
