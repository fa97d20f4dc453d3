"""The RabbitMQ communicator (aio-pika): task queue, holds, RPC and state broadcasts.

Names, under the profile's prefix ``P`` (so two profiles never share anything)::

    P.tasks         durable direct exchange + durable queue: tasks, persistent messages
    P.dead          where malformed tasks are dead-lettered (with a log line)
    P.hold.<id>     one durable queue per runner: its holds (see below)
    P.rpc           fanout exchange; every runner binds an exclusive queue
    P.states        topic exchange, routing key state.<uuid>: state broadcasts

Holding a process. RabbitMQ closes a channel whose delivery stays unacknowledged longer
than its consumer_timeout (30 minutes by default), and redelivers the message: a long
process would be run twice. So a runner does not sit on the task. When it takes a
process, it publishes a *hold* message into its own hold queue and only then
acknowledges the task. It consumes its hold queue itself and keeps each hold
unacknowledged while the process runs, publishing a fresh hold and acknowledging the old
one every ``renew`` seconds (below the consumer_timeout). Hold messages carry a short
per-message TTL and the hold queue dead-letters into the task queue: a hold being
delivered does not expire, but when the runner dies its connection closes, RabbitMQ puts
the unacknowledged holds back into the hold queue, they have outlived their TTL, and are
dead-lettered at once into the task queue — where another runner takes the process and
continues it from its last checkpoint. A graceful stop hands processes back: a new task
is published, then the hold is acknowledged.

Every publish waits for RabbitMQ's confirm; the connection is robust (reconnects), and
after a reconnect the holds are re-established.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid as uuid_module
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aio_pika
import aio_pika.abc
import aiormq.exceptions

from graphflow.broker._messages import (
    RpcReply,
    RpcRequest,
    StateMessage,
    TaskMessage,
    decode,
    encode,
)
from graphflow.clock import Clock, MonotonicClock
from graphflow.errors import BrokerError, BrokerUnavailableError
from graphflow.retry import BROKER_PUBLISH, Deadline, retry

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from graphflow.broker._protocol import CausalContext

__all__ = ["Hold", "RabbitMQCommunicator", "TaskDelivery", "delete_topology"]

log = logging.getLogger(__name__)

PERSISTENT = aio_pika.DeliveryMode.PERSISTENT
#: the sender's store bookmarks (causal consistency: see store._bookmarks)
BOOKMARKS_HEADER = "graphflow-bookmarks"
CONNECT_TIMEOUT = 10.0
PUBLISH_TIMEOUT = 30.0
#: an acknowledgement is a frame written to the socket: it takes milliseconds, or never
SETTLE_TIMEOUT = 10.0
#: a published hold comes back from the runner's own queue within milliseconds
HOLD_ARRIVAL_TIMEOUT = 60.0


def _redact(url: str) -> str:
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


@dataclass(eq=False)
class Hold:
    """A process this runner holds: its current, unacknowledged hold delivery."""

    task: TaskMessage
    delivery: aio_pika.abc.AbstractIncomingMessage | None = None
    #: when ``delivery`` arrived (the loop's clock): what RabbitMQ's consumer_timeout counts
    delivered_at: float = 0.0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: bool = False


#: what acknowledging a delivery raises when its channel died with the connection (a broker
#: restart): RabbitMQ then requeues the message itself, and the runner that took the task
#: drops the duplicate, so the answer is to carry on. ChannelInvalidStateError is a
#: RuntimeError, not an AMQPError: left uncaught it aborted a task between holding its
#: process and starting it, and the process was never run.
_CHANNEL_GONE: tuple[type[Exception], ...] = (
    aiormq.exceptions.AMQPError,
    aio_pika.exceptions.AMQPException,
    aiormq.exceptions.ChannelInvalidStateError,
)


async def _settle(settling: Awaitable[None]) -> None:
    """Acknowledge or reject a delivery, as far as the channel still allows.

    On a channel that died with its connection RabbitMQ requeues the message itself, so
    there is nothing left to do. Nor is there anything to wait for: a frame queued while
    the connection is going away is never written, and waiting for it blocked forever.
    A worker's task then hung between holding its process and starting it, and the
    process stayed claimed by a live worker that never ran it (seen with a broker
    restart).
    """
    with contextlib.suppress(*_CHANNEL_GONE, TimeoutError):
        async with asyncio.timeout(SETTLE_TIMEOUT):
            await settling


class TaskDelivery:
    """A task taken from the queue; acknowledge it once the process is held, or reject."""

    def __init__(self, message: aio_pika.abc.AbstractIncomingMessage, task: TaskMessage) -> None:
        self._message = message
        self.task = task

    async def ack(self) -> None:
        await _settle(self._message.ack())

    async def requeue(self) -> None:
        await _settle(self._message.nack(requeue=True))


class RabbitMQCommunicator:
    """One runner's (or client's) link to the broker; all methods run on its loop."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str,
        hold_ttl: float = 30.0,
        hold_renew: float = 600.0,
        publish_budget: float = 300.0,
        clock: Clock | None = None,
        causal: CausalContext | None = None,
    ) -> None:
        self.url = url
        #: carried in tasks and state broadcasts, taken in from those received
        self._causal = causal
        self.publish_budget = publish_budget
        #: what publishing's retries wait on
        self.clock: Clock = clock or MonotonicClock()
        #: called (no arguments) after the connection came back
        self.reconnected: list[Callable[[], Awaitable[None]]] = []
        self.prefix = prefix
        self.runner_id = f"{uuid_module.uuid4().hex[:12]}"
        self.hold_ttl = hold_ttl
        self.hold_renew = hold_renew
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._channel: aio_pika.abc.AbstractRobustChannel | None = None
        self._tasks_exchange: aio_pika.abc.AbstractExchange | None = None
        self._holds: dict[str, Hold] = {}
        self._hold_queue: aio_pika.abc.AbstractQueue | None = None
        self._rpc_handler: Callable[[RpcRequest], Awaitable[RpcReply | None]] | None = None
        self._state_listeners: list[Callable[[StateMessage], Awaitable[None] | None]] = []
        self._state_queue: aio_pika.abc.AbstractQueue | None = None
        self._reply_queue: aio_pika.abc.AbstractQueue | None = None
        self._replies: dict[str, asyncio.Future[RpcReply]] = {}
        #: replies gathered by rpc(collect=True), by correlation id
        self._collected: dict[str, list[RpcReply]] = {}
        self._task_consumer: tuple[aio_pika.abc.AbstractQueue, str] | None = None
        self._renewer: asyncio.Task[None] | None = None
        #: set to renew at once (the interval was shortened)
        self._renew_sooner = asyncio.Event()
        self._lock = asyncio.Lock()

    # --- names --------------------------------------------------------------------------

    @property
    def tasks_name(self) -> str:
        return f"{self.prefix}.tasks"

    @property
    def hold_name(self) -> str:
        return f"{self.prefix}.hold.{self.runner_id}"

    # --- connection ---------------------------------------------------------------------

    async def connect(self) -> None:
        """Connect and declare the topology (idempotent)."""
        async with self._lock:
            if self._connection is not None:
                return
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT):
                    connection = await aio_pika.connect_robust(self.url, timeout=CONNECT_TIMEOUT)
            except (TimeoutError, OSError, aiormq.exceptions.AMQPError) as exc:
                raise BrokerUnavailableError(
                    f"cannot reach the broker at {_redact(self.url)}: {exc or type(exc).__name__}"
                ) from exc
            self._connection = connection
            channel = await connection.channel(publisher_confirms=True)
            self._channel = channel
            dead = await channel.declare_exchange(
                f"{self.prefix}.dead", aio_pika.ExchangeType.FANOUT, durable=True
            )
            dead_queue = await channel.declare_queue(f"{self.prefix}.dead", durable=True)
            await dead_queue.bind(dead)
            self._tasks_exchange = await channel.declare_exchange(
                self.tasks_name, aio_pika.ExchangeType.DIRECT, durable=True
            )
            tasks = await channel.declare_queue(
                self.tasks_name,
                durable=True,
                arguments={"x-dead-letter-exchange": f"{self.prefix}.dead"},
            )
            await tasks.bind(self._tasks_exchange, routing_key="task")
            connection.reconnect_callbacks.add(self._on_reconnect)

    async def close(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    def _require(self) -> aio_pika.abc.AbstractRobustChannel:
        if self._channel is None:
            raise BrokerError("the communicator is not connected (await connect() first)")
        return self._channel

    async def _publish(
        self, exchange: aio_pika.abc.AbstractExchange, body: bytes, routing_key: str, **props: Any
    ) -> None:
        """Publish and wait for the confirm; while the broker is away (a restart), try
        again (BROKER_PUBLISH) until ``publish_budget`` seconds from now: the robust
        connection comes back by itself."""

        async def once() -> None:
            try:
                async with asyncio.timeout(PUBLISH_TIMEOUT):
                    await exchange.publish(aio_pika.Message(body, **props), routing_key=routing_key)
            except (
                TimeoutError,
                OSError,
                aiormq.exceptions.AMQPError,
                aio_pika.exceptions.AMQPException,
                RuntimeError,  # aio-pika: "channel closed" while reconnecting
            ) as exc:
                raise BrokerUnavailableError(
                    f"publishing to {_redact(self.url)} failed: {exc or type(exc).__name__}"
                ) from exc

        def report(exc: BaseException, tries: int, pause: float) -> None:
            log.warning("%s; trying again in %.1f s (try %d)", exc, pause, tries + 1)

        await retry(
            once,
            backoff=BROKER_PUBLISH,
            deadline=Deadline.after(self.publish_budget, self.clock),
            on_retry=report,
        )

    # --- tasks --------------------------------------------------------------------------

    async def publish_task(self, task: TaskMessage) -> None:
        """Queue a task durably (returns once RabbitMQ confirmed it)."""
        await self.connect()
        assert self._tasks_exchange is not None
        await self._publish(
            self._tasks_exchange,
            encode(task),
            "task",
            delivery_mode=PERSISTENT,
            headers=self._causal_headers(),
        )

    def _causal_headers(self) -> dict[str, Any]:
        """The sender's bookmarks, so the receiver waits for what was committed before."""
        bookmarks = self._causal.current() if self._causal is not None else []
        return {BOOKMARKS_HEADER: bookmarks} if bookmarks else {}

    def _take_causal(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        """Make this interpreter's next reads wait for the sender's commits. Bookmarks
        that are not a short list of strings are left out, with a log line: the message
        itself is good, and a read that cannot wait for them still reads the store."""
        raw = (message.headers or {}).get(BOOKMARKS_HEADER)
        if raw is None or self._causal is None:
            return
        try:
            if not isinstance(raw, list):
                raise ValueError(f"a {type(raw).__name__}, not a list")
            bookmarks: list[str] = []
            for item in raw:
                text = item.decode() if isinstance(item, bytes) else item
                if not isinstance(text, str):
                    raise ValueError(f"{item!r:.40} is not text")
                bookmarks.append(text)
            self._causal.observe(bookmarks)
        except (ValueError, UnicodeDecodeError) as exc:
            log.warning("ignored the bookmarks of a message from the broker: %s", exc)

    async def consume_tasks(
        self, handler: Callable[[TaskDelivery], Awaitable[None]], *, prefetch: int
    ) -> None:
        """Deliver tasks to ``handler`` (at most ``prefetch`` unacknowledged at a time).

        A message that is not a task is rejected into the dead-letter queue, with a log line.
        One consumer at a time: a second call while consuming changes nothing.
        """
        if self._task_consumer is not None:
            return
        channel = self._require()
        # bounded: a hung call (the connection going away) times out, and is retried
        async with asyncio.timeout(CONNECT_TIMEOUT):
            await channel.set_qos(prefetch_count=prefetch)
            queue = await channel.get_queue(self.tasks_name)

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            try:
                task = decode(message.body, TaskMessage)
            except BrokerError as exc:
                log.error("rejected a malformed task into %s.dead: %s", self.prefix, exc)
                await _settle(message.reject(requeue=False))
                return
            self._take_causal(message)
            await handler(TaskDelivery(message, task))

        async with asyncio.timeout(CONNECT_TIMEOUT):
            tag = await queue.consume(on_message)
        self._task_consumer = (queue, tag)

    async def peek_tasks(self) -> list[str]:
        """The process uuids of every task waiting in the queue, leaving them there.

        Reads on a channel of its own without acknowledging, then closes it: RabbitMQ
        puts every message back, in its place.
        """
        await self.connect()
        assert self._connection is not None
        channel = await self._connection.channel()
        found: list[str] = []
        try:
            queue = await channel.get_queue(self.tasks_name)
            while True:
                message = await queue.get(no_ack=False, fail=False)
                if message is None:
                    break
                with contextlib.suppress(BrokerError):
                    found.append(decode(message.body, TaskMessage).uuid)
        finally:
            await channel.close()
        return found

    async def stop_consuming_tasks(self) -> None:
        if self._task_consumer is not None:
            queue, tag = self._task_consumer
            self._task_consumer = None
            with contextlib.suppress(Exception):  # a consumer of a dead channel is gone
                async with asyncio.timeout(CONNECT_TIMEOUT):
                    await queue.cancel(tag)

    # --- holds --------------------------------------------------------------------------

    async def _ensure_hold_queue(self) -> aio_pika.abc.AbstractQueue:
        if self._hold_queue is None:
            self._require()
            assert self._connection is not None
            # A channel of their own, with no prefetch limit: a runner keeps one hold
            # unacknowledged for every process it holds, waiting ones included, which may
            # be far more than its slots (the task consumer's prefetch). On the tasks'
            # channel the hold beyond that limit was never delivered and its task hung.
            channel = await self._connection.channel()
            self._hold_queue = await channel.declare_queue(
                self.hold_name,
                durable=True,
                arguments={
                    "x-dead-letter-exchange": self.tasks_name,
                    "x-dead-letter-routing-key": "task",
                    "x-expires": 24 * 3600 * 1000,
                },
            )
            await self._hold_queue.consume(self._on_hold)
            channel.close_callbacks.add(self._on_hold_channel_closed)
            self._renewer = asyncio.get_running_loop().create_task(self._renew_forever())
        return self._hold_queue

    async def hold(self, task: TaskMessage) -> Hold:
        """Guard ``task``'s process while this runner runs it (see the module docstring)."""
        await self._ensure_hold_queue()
        hold = self._holds.get(task.uuid)
        if hold is None:
            hold = Hold(task)
            self._holds[task.uuid] = hold
        while True:
            await self._publish_hold(hold)
            try:
                async with asyncio.timeout(HOLD_ARRIVAL_TIMEOUT):
                    await hold.arrived.wait()
                return hold
            except TimeoutError:
                # waiting on for a lost hold would leave the process claimed by this live
                # runner, which other runners leave alone, and never run anywhere
                log.warning(
                    "the hold of %s did not arrive within %.0f s: publishing it again",
                    task.uuid,
                    HOLD_ARRIVAL_TIMEOUT,
                )

    async def _publish_hold(self, hold: Hold) -> None:
        hold.arrived.clear()
        channel = self._require()
        await self._publish(
            channel.default_exchange,
            encode(hold.task),
            self.hold_name,
            delivery_mode=PERSISTENT,
            expiration=self.hold_ttl,
            headers=self._causal_headers(),  # a hold that expires is another runner's task
        )

    async def _on_hold(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        try:
            task = decode(message.body, TaskMessage)
        except BrokerError:
            await _settle(message.reject(requeue=False))
            return
        hold = self._holds.get(task.uuid)
        if hold is None or hold.released:
            await _settle(message.ack())  # a leftover hold of a process this runner let go
            return
        previous, hold.delivery = hold.delivery, message
        hold.delivered_at = asyncio.get_running_loop().time()
        hold.arrived.set()
        if previous is not None:
            await _settle(previous.ack())

    async def release(self, hold: Hold, *, hand_back: bool = False) -> None:
        """Stop holding: the process ended, or (``hand_back``) another runner continues it."""
        if hand_back:
            await self.publish_task(hold.task)
        hold.released = True
        self._holds.pop(hold.task.uuid, None)
        if hold.delivery is not None:
            await _settle(hold.delivery.ack())

    async def _renew_forever(self) -> None:
        while True:
            self._renew_sooner.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.hold_renew):
                    await self._renew_sooner.wait()  # the interval was shortened
            await self._renew_all()

    async def _renew_all(self) -> None:
        for hold in list(self._holds.values()):
            if not hold.released:
                try:
                    await self._publish_hold(hold)
                except Exception as exc:  # the renewer must outlive any one failure
                    log.warning("could not renew the hold of %s: %s", hold.task.uuid, exc)

    def _on_hold_channel_closed(self, _channel: Any, exc: BaseException | None = None) -> None:
        """RabbitMQ closed the hold channel. When it did so because a hold stayed
        unacknowledged past its consumer_timeout, every hold on it was dropped (they
        went to the task queue, where the runner that takes them leaves this live
        runner's processes alone): say so, hold them again at once (a renewal publishes
        a fresh hold through the main channel), and renew faster from now on."""
        text = str(exc or "")
        if "timed out" not in text:
            return
        used = re.search(r"Timeout value used: (\d+) ms", text)
        now = asyncio.get_running_loop().time()
        ages = [now - h.delivered_at for h in self._holds.values() if h.delivery is not None]
        timeout = int(used.group(1)) / 1000 if used else max(ages, default=self.hold_renew)
        renew = max(0.5, timeout / 3)
        log.warning(
            "RabbitMQ dropped this runner's holds: its consumer_timeout (%.0f s) is shorter "
            "than broker_hold_renew (%.0f s). Renewing every %.1f s from now on; set "
            "broker_hold_renew below the broker's consumer_timeout",
            timeout,
            self.hold_renew,
            renew,
        )
        self.hold_renew = min(self.hold_renew, renew)
        self._renew_sooner.set()

    async def _on_reconnect(self, *_: Any) -> None:
        log.info("reconnected to the broker at %s", _redact(self.url))
        # unacknowledged holds went back to the hold queue; make sure each process has one
        for hold in list(self._holds.values()):
            hold.delivery = None
            with contextlib.suppress(BrokerError):
                await self._publish_hold(hold)
        for callback in list(self.reconnected):
            try:
                await callback()
            except Exception as exc:
                log.warning("after reconnecting: %s", exc)

    @property
    def holds(self) -> list[str]:
        return [uuid for uuid, hold in self._holds.items() if not hold.released]

    # --- broadcasts ---------------------------------------------------------------------

    async def _states_exchange(self) -> aio_pika.abc.AbstractExchange:
        channel = self._require()
        return await channel.declare_exchange(f"{self.prefix}.states", aio_pika.ExchangeType.TOPIC)

    async def broadcast_state(self, message: StateMessage) -> None:
        await self.connect()
        exchange = await self._states_exchange()
        await self._publish(
            exchange, encode(message), f"state.{message.uuid}", headers=self._causal_headers()
        )

    async def subscribe_states(
        self, listener: Callable[[StateMessage], Awaitable[None] | None]
    ) -> None:
        """Call ``listener`` with every state broadcast of the profile."""
        await self.connect()
        self._state_listeners.append(listener)
        if self._state_queue is not None:
            return
        channel = self._require()
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(await self._states_exchange(), routing_key="state.#")
        self._state_queue = queue

        async def on_state(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            await _settle(message.ack())
            try:
                state = decode(message.body, StateMessage)
            except BrokerError as exc:
                log.warning("ignored a malformed state broadcast: %s", exc)
                return
            self._take_causal(message)
            for callback in list(self._state_listeners):
                result = callback(state)
                if result is not None:
                    await result

        await queue.consume(on_state)

    # --- rpc ----------------------------------------------------------------------------

    async def serve_rpc(self, handler: Callable[[RpcRequest], Awaitable[RpcReply | None]]) -> None:
        """Answer RPC requests for the processes this runner holds (None: not mine)."""
        await self.connect()
        self._rpc_handler = handler
        channel = self._require()
        exchange = await channel.declare_exchange(
            f"{self.prefix}.rpc", aio_pika.ExchangeType.FANOUT
        )
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange)

        async def on_request(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            await _settle(message.ack())
            try:
                request = decode(message.body, RpcRequest)
            except BrokerError as exc:
                log.warning("ignored a malformed RPC request: %s", exc)
                return
            assert self._rpc_handler is not None
            try:
                reply = await self._rpc_handler(request)
            except Exception as exc:
                reply = RpcReply(False, f"{type(exc).__name__}: {exc}")
            if reply is not None and message.reply_to:
                await self._publish(
                    self._require().default_exchange,
                    encode(reply),
                    message.reply_to,
                    correlation_id=message.correlation_id,
                )

        await queue.consume(on_request)

    async def rpc(
        self, request: RpcRequest, *, wait: float = 5.0, collect: bool = False
    ) -> list[RpcReply]:
        """Send ``request`` to every runner; the first answer (or, with ``collect``, every
        answer within ``wait`` seconds). An empty list means nobody answered."""
        await self.connect()
        channel = self._require()
        if self._reply_queue is None:
            self._reply_queue = await channel.declare_queue(exclusive=True, auto_delete=True)

            async def on_reply(message: aio_pika.abc.AbstractIncomingMessage) -> None:
                await _settle(message.ack())
                future = self._replies.get(message.correlation_id or "")
                if future is None:
                    return
                try:
                    reply = decode(message.body, RpcReply)
                except BrokerError as exc:
                    log.warning("ignored a malformed RPC reply: %s", exc)
                    return
                gathered = self._collected.get(message.correlation_id or "")
                if gathered is not None:
                    gathered.append(reply)
                elif not future.done():
                    future.set_result(reply)

            await self._reply_queue.consume(on_reply)
        correlation = uuid_module.uuid4().hex
        future: asyncio.Future[RpcReply] = asyncio.get_running_loop().create_future()
        self._replies[correlation] = future
        if collect:
            self._collected[correlation] = []
        exchange = await channel.declare_exchange(
            f"{self.prefix}.rpc", aio_pika.ExchangeType.FANOUT
        )
        try:
            await self._publish(
                exchange,
                encode(request),
                "",
                reply_to=self._reply_queue.name,
                correlation_id=correlation,
            )
            if collect:
                await asyncio.sleep(wait)
                return self._collected[correlation]
            try:
                async with asyncio.timeout(wait):
                    return [await future]
            except TimeoutError:
                return []
        finally:
            self._replies.pop(correlation, None)
            self._collected.pop(correlation, None)


async def delete_topology(url: str, prefix: str) -> list[str]:
    """Remove a profile's queues and exchanges from the broker (``graphflow profile
    delete``); returns what was removed. Hold queues of runners that died without
    closing theirs are not known by name here and stay (they are empty once their holds
    were dead-lettered)."""
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            connection = await aio_pika.connect(url, timeout=CONNECT_TIMEOUT)
    except (TimeoutError, OSError, aiormq.exceptions.AMQPError) as exc:
        raise BrokerUnavailableError(
            f"cannot reach the broker at {_redact(url)}: {exc or type(exc).__name__}"
        ) from exc
    removed = []
    async with connection:
        channel = await connection.channel()
        for queue in (f"{prefix}.tasks", f"{prefix}.dead"):
            await channel.queue_delete(queue)  # absent: nothing to do
            removed.append(f"queue {queue}")
        for exchange in ("tasks", "dead", "rpc", "states"):
            await channel.exchange_delete(f"{prefix}.{exchange}")
            removed.append(f"exchange {prefix}.{exchange}")
    return removed
