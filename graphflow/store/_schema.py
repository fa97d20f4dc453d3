"""Schema set-up: constraints, indexes, counters and label combinations, once per profile.

Set-up is idempotent and versioned: a ``:SchemaInfo`` node records the version applied,
so later connections cost one read. Every label combination that graphflow creates is
made once here (a probe node created and deleted), because ArcadeDB turns a new label
combination into a new type, and two processes creating the same new type at the same
moment collide (one gets a non-retryable ``TypeAlreadyExistsException``).
"""

from __future__ import annotations

import json
import random
import uuid
from typing import TYPE_CHECKING, Any

from graphflow.errors import SchemaError, StoreError, StoreUnavailableError
from graphflow.retry import Backoff, Deadline, retry
from graphflow.store._client import STORE_DEADLINE
from graphflow.store._model import EXTRAS, entry_properties
from graphflow.store._queries import all_queries, query
from graphflow.store._writer import WriteBatch, node_groups

if TYPE_CHECKING:
    from graphflow.store._client import Store, Transaction

__all__ = ["SCHEMA_VERSION", "setup_schema"]

SCHEMA_VERSION = 6  # 2: SchemaInfo.name is unique; 3: groups; 4: entries as properties;
# 5: the index of hashes (caching); 6: runners' leases (engine._lease)
_ATTEMPTS = 3
_BACKFILL_PAGE = 1000
#: two set-ups racing: the loser looks again shortly
SCHEMA_RACE = Backoff(first=0.3, cap=1.0)


async def setup_schema(store: Store) -> bool:
    """Bring the database's schema to :data:`SCHEMA_VERSION`; True if anything was done.

    Two processes may set up the same new database at once; the loser of a race (a
    constraint or type created by the other meanwhile) checks the version and tries again.
    """
    return await retry(
        lambda: _setup_once(store),
        backoff=SCHEMA_RACE,
        deadline=Deadline.after(STORE_DEADLINE, store.clock),
        retry_if=lambda exc: isinstance(exc, SchemaError),
        attempts=_ATTEMPTS,
    )


async def _create_label_combinations(tx: Transaction) -> None:
    """One probe node per label combination, created and deleted in one transaction."""
    batch = WriteBatch()
    probes = []
    for group in sorted(node_groups()):
        probe = f"schema-probe-{uuid.uuid4()}"
        batch.create(group, {"uuid": probe, "pk": -random.randrange(1, 2**62)})
        probes.append(probe)
    await batch.apply(tx)
    for probe in probes:
        await tx.run(query("schema.delete_probe"), uuid=probe)


async def _backfill_entry_properties(store: Store) -> None:
    """Give Dicts and extras stored before schema 4 their entries as properties
    (store._model); idempotent, so two upgrades racing do no harm."""
    after = -(2**63)
    while rows := await store.read(
        query("schema.entries_to_backfill"), after=after, limit=_BACKFILL_PAGE
    ):
        batch = WriteBatch()
        for row in rows:
            props = entry_properties(_mapping(row["extras"]), EXTRAS)
            props.update(entry_properties(_mapping(row["attributes"])))
            if props:
                batch.update(row["uuid"], props)
        if batch.updates:
            await store.write_tx(batch.apply, tags={"query": "schema.backfill"})
        after = rows[-1]["pk"]


def _mapping(text: str | None) -> dict[str, Any]:
    """A JSON object read back for the backfill; anything else (absent, damaged: loading
    that node names it) contributes no properties."""
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


async def _setup_once(store: Store) -> bool:
    try:
        rows = await store.read(query("schema.get_version"))
    except StoreUnavailableError:
        raise
    except StoreError as exc:
        raise SchemaError(f"cannot read the schema version from {store.uri}: {exc}") from exc
    applied = rows[0]["version"] if rows else None
    if applied == SCHEMA_VERSION:
        return False
    if isinstance(applied, int) and applied > SCHEMA_VERSION:
        raise SchemaError(
            f"the store at {store.uri} has schema version {applied}, newer than this "
            f"graphflow's {SCHEMA_VERSION}: upgrade graphflow"
        )
    try:
        for name in sorted(all_queries()):
            if name.startswith("schema.create_"):
                await store.write(query(name))
        await store.write(query("store.ensure_sequence"), name="pk")
        await store.write_tx(_create_label_combinations, tags={"query": "schema.labels"})
        if isinstance(applied, int) and applied < 4:
            await _backfill_entry_properties(store)
        await store.write(query("schema.set_version"), version=SCHEMA_VERSION)
    except StoreUnavailableError:
        raise
    except StoreError as exc:
        raise SchemaError(f"schema set-up on {store.uri} failed: {exc}") from exc
    return True
