"""Causal consistency across interpreters: a message sent after a commit carries the
sender's bookmarks, and whoever receives it reads with them (issue 24, item 3).

Each side is a real store client of its own (its own driver, as a second interpreter
has) and a real RabbitMQ link. Both stores return a bookmark for every commit; Neo4j
refuses one it cannot use, ArcadeDB (one server) takes any and waits for none.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING, Any

import aio_pika
import pytest
from support.stores import new_store, on_neo4j

from graphflow import _loop
from graphflow.broker import RabbitMQCommunicator, StateMessage, TaskMessage
from graphflow.broker._rabbitmq import BOOKMARKS_HEADER
from graphflow.orm import Int, astore_nodes
from graphflow.store import query

if TYPE_CHECKING:
    from graphflow.orm import Backend
    from graphflow.store import Store

pytestmark = pytest.mark.requires_rabbitmq


async def _cleanup(url: str, prefix: str) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        for name in (f"{prefix}.tasks", f"{prefix}.dead"):
            await channel.queue_delete(name)
        for name in (f"{prefix}.tasks", f"{prefix}.dead", f"{prefix}.states"):
            await channel.exchange_delete(name)


async def _stored_node(backend: Backend) -> str:
    """A node committed through the sender's store (the group-commit writer)."""
    node = Int(41)
    await astore_nodes(backend, [node])
    return node.uuid


def test_a_task_carries_the_senders_bookmarks_and_its_receiver_reads_with_them(
    current_backend: Backend, amqp_url: str
) -> None:
    backend = current_backend
    prefix = f"test-causal-{uuid.uuid4().hex[:8]}"
    sender_marks = backend.store.bookmarks

    async def scenario() -> dict[str, Any]:
        written = await _stored_node(backend)
        receiver: Store = new_store(backend)
        sender = RabbitMQCommunicator(amqp_url, prefix=prefix, causal=sender_marks)
        taker = RabbitMQCommunicator(amqp_url, prefix=prefix, causal=receiver.bookmarks)
        seen: dict[str, Any] = {}
        delivered = asyncio.Event()

        async def on_task(delivery: Any) -> None:
            seen["header"] = (delivery._message.headers or {}).get(BOOKMARKS_HEADER)
            seen["waits_for"] = sorted(await receiver.bookmarks.get_bookmarks())
            rows = await receiver.read(query("store.find_nodes"), uuids=[delivery.task.uuid])
            seen["read"] = [row["uuid"] for row in rows]
            await delivery.ack()
            delivered.set()

        try:
            await sender.connect()
            await taker.connect()
            await taker.consume_tasks(on_task, prefetch=1)
            seen["sent"] = sender_marks.current()
            await sender.publish_task(TaskMessage(written, None))
            await asyncio.wait_for(delivered.wait(), 30)
        finally:
            await sender.close()
            await taker.close()
            await receiver.close()
            await _cleanup(amqp_url, prefix)
        seen["written"] = written
        return seen

    seen = _loop.call(scenario())
    assert seen["read"] == [seen["written"]]
    assert seen["sent"], "the store returned no bookmark for the commit"
    carried = [str(b) for b in seen["header"]]  # the sender's set when it published
    assert carried
    assert set(carried) <= set(seen["waits_for"])


def test_a_state_broadcast_carries_them_too(current_backend: Backend, amqp_url: str) -> None:
    backend = current_backend
    prefix = f"test-causal-{uuid.uuid4().hex[:8]}"

    async def scenario() -> tuple[list[str], list[str]]:
        await _stored_node(backend)
        receiver = new_store(backend)
        sender = RabbitMQCommunicator(amqp_url, prefix=prefix, causal=backend.store.bookmarks)
        listener = RabbitMQCommunicator(amqp_url, prefix=prefix, causal=receiver.bookmarks)
        heard: list[list[str]] = []
        arrived = asyncio.Event()

        def on_state(_message: StateMessage) -> None:
            heard.append(receiver.bookmarks.current())
            arrived.set()

        try:
            await listener.subscribe_states(on_state)
            sent = backend.store.bookmarks.current()
            await sender.broadcast_state(StateMessage(str(uuid.uuid4()), 1, "finished"))
            await asyncio.wait_for(arrived.wait(), 30)
        finally:
            await sender.close()
            await listener.close()
            await receiver.close()
            await _cleanup(amqp_url, prefix)
        return sent, heard[0]

    sent, heard = _loop.call(scenario())
    assert sent
    assert heard  # the receiver had none of its own: what the broadcast carried


@pytest.mark.parametrize(
    "header",
    ["FB:not-a-list", [1, 2], ["ok"] * 100, {"a": "b"}],
    ids=["text", "numbers", "too-many", "table"],
)
def test_bad_bookmarks_in_a_message_are_left_out_and_the_task_still_arrives(
    current_backend: Backend, amqp_url: str, header: object, caplog: pytest.LogCaptureFixture
) -> None:
    backend = current_backend
    prefix = f"test-causal-{uuid.uuid4().hex[:8]}"

    async def scenario() -> tuple[str, list[str]]:
        receiver = new_store(backend)
        taker = RabbitMQCommunicator(amqp_url, prefix=prefix, causal=receiver.bookmarks)
        got: list[str] = []
        delivered = asyncio.Event()

        async def on_task(delivery: Any) -> None:
            got.append(delivery.task.uuid)
            await delivery.ack()
            delivered.set()

        try:
            await taker.connect()
            await taker.consume_tasks(on_task, prefetch=1)
            connection = await aio_pika.connect(amqp_url)
            async with connection:
                channel = await connection.channel()
                exchange = await channel.get_exchange(f"{prefix}.tasks")
                body = b'{"format":"graphflow.task","pk":null,"uuid":"u-1","version":1}'
                message = aio_pika.Message(body, headers={BOOKMARKS_HEADER: header})
                await exchange.publish(message, routing_key="task")
            await asyncio.wait_for(delivered.wait(), 30)
            return got[0], receiver.bookmarks.current()
        finally:
            await taker.close()
            await receiver.close()
            await _cleanup(amqp_url, prefix)

    with caplog.at_level(logging.WARNING, logger="graphflow.broker._rabbitmq"):
        arrived, kept = _loop.call(scenario())
    assert arrived == "u-1"
    assert kept == []
    assert "ignored the bookmarks of a message from the broker" in caplog.text


def test_a_bookmark_the_server_refuses_is_forgotten_and_reads_and_writes_go_on(
    current_backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    """A bookmark that reached the set but that the server cannot use (a forged or
    corrupted message) must not fail every later transaction of the interpreter."""
    backend = current_backend

    async def scenario() -> tuple[list[dict[str, Any]], list[str]]:
        store = new_store(backend)
        try:
            store.bookmarks.observe(["FB:this-is-no-bookmark"])
            rows = await store.read(query("store.find_nodes"), uuids=["none"])
            await store.read(query("store.find_nodes"), uuids=["none"])
            return rows, store.bookmarks.current()
        finally:
            await store.close()

    with caplog.at_level(logging.WARNING, logger="graphflow.store._bookmarks"):
        rows, kept = _loop.call(scenario())
    assert rows == []
    if on_neo4j():
        assert "FB:this-is-no-bookmark" not in kept
        assert "forgot 1 bookmarks" in caplog.text
    else:  # one ArcadeDB server waits for no bookmark, so it refuses none
        assert "forgot" not in caplog.text
