"""The store's reads give Python datetimes; a user's own neo4j driver is left alone.

This fails when a driver release moves the internals :mod:`graphflow.store._temporal`
relies on (reads would then give ``neo4j.time.DateTime`` again: right, but slower).
"""

from __future__ import annotations

import datetime
from typing import Any

import neo4j
import pytest
from support.stores import new_store

import graphflow as gf
from graphflow.store import query

pytestmark = pytest.mark.usefixtures("backend")


def test_timestamps_come_back_as_python_datetimes_equal_to_the_drivers(
    backend: Any, aio: Any
) -> None:
    node = gf.Int(7).store()

    async def scenario() -> tuple[Any, Any]:
        store = new_store(backend)
        try:
            (row,) = await store.read(query("orm.get_node_by_pk"), pk=node.pk)
        finally:
            await store.close()
        # a user's own driver, in the same interpreter, on the same server
        async with neo4j.AsyncGraphDatabase.driver(store.uri, auth=store._auth) as theirs:
            records, _, _ = await theirs.execute_query(
                "MATCH (n:Node {pk: $pk}) RETURN n.ctime AS ctime",
                pk=node.pk,
                database_=store.database,
            )
        return row["node"]["ctime"], records[0]["ctime"]

    ours, theirs = aio(scenario())
    assert type(ours) is datetime.datetime
    assert isinstance(theirs, neo4j.time.DateTime)  # untouched
    # graphflow's times carry their zone, UTC, on ArcadeDB too (which keeps them without
    # one): the user's driver shows the same instant, zone or not
    assert ours.utcoffset() == datetime.timedelta(0)
    native = theirs.to_native()
    assert ours == (native if native.tzinfo else native.replace(tzinfo=datetime.UTC))
    assert gf.load_node(node.pk).ctime == ours == node.ctime
    (row,) = gf.cypher("MATCH (n:Node {pk: $pk}) RETURN n.ctime AS ctime", pk=node.pk)
    assert row["ctime"] == node.ctime
    assert row["ctime"].isoformat().endswith("+00:00")
