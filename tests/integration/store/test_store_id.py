"""A store's own id names its profile's broker queues, so that a profile of the same name
on another host (another folder, its own configuration) joins the same pool of workers
(issue 24, item 5). It is set by the first interpreter to connect, and read by all the
others, whatever id they propose."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from support.stores import new_store

from graphflow import _loop
from graphflow.engine._messaging import queue_prefix
from graphflow.store import query

if TYPE_CHECKING:
    from graphflow.orm import Backend


def test_every_client_of_a_store_reads_the_id_the_first_one_set(current_backend: Backend) -> None:
    backend = current_backend
    assert len(backend.store_id) == 32

    async def ask_from_new_clients() -> list[str]:
        stores = [new_store(backend) for _ in range(4)]
        try:
            answers = await asyncio.gather(
                *(
                    store.write(query("schema.store_id"), candidate=f"proposed-{i}")
                    for i, store in enumerate(stores)
                )
            )
        finally:
            for store in stores:
                await store.close()
        return [rows[0]["store_id"] for rows in answers]

    assert _loop.call(ask_from_new_clients()) == [backend.store_id] * 4


def test_the_queue_prefix_is_the_profile_name_and_the_store_id(current_backend: Backend) -> None:
    backend = current_backend
    assert queue_prefix(backend) == f"graphflow.{backend.profile.name}.{backend.store_id[:16]}"
