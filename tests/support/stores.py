"""Which graph store the suite runs against: the embedded ArcadeDB, or a real Neo4j.

``scripts/test.sh`` runs the integration suite twice: once on the embedded ArcadeDB
(``GRAPHFLOW_TEST_STORE`` unset or ``arcadedb``) and once on Neo4j
(``GRAPHFLOW_TEST_STORE=neo4j``). In the Neo4j pass the session's default profile, and
every profile a test sets up for itself, uses one Neo4j server: the one the session starts
(see ``neo4j_server.py``) or the one ``GRAPHFLOW_TEST_NEO4J_URI`` names.

Tests about one store only are marked ``arcadedb_only`` or ``neo4j_only``; the other pass
deselects them and says how many.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graphflow.orm import Backend
    from graphflow.store import Store

__all__ = ["STORE", "new_store", "on_neo4j", "profile_store_options"]

STORE = os.environ.get("GRAPHFLOW_TEST_STORE", "arcadedb")
if STORE not in {"arcadedb", "neo4j"}:
    raise RuntimeError(f"GRAPHFLOW_TEST_STORE must be 'arcadedb' or 'neo4j', not {STORE!r}")


def on_neo4j() -> bool:
    return STORE == "neo4j"


def profile_store_options() -> dict[str, Any]:
    """Keyword arguments for ``config.setup_profile`` that put a new profile on this pass's
    store (nothing on ArcadeDB: each profile gets its own embedded server)."""
    if not on_neo4j():
        return {}
    return {
        "store_uri": os.environ["GRAPHFLOW_TEST_NEO4J_URI"],
        "user": os.environ.get("GRAPHFLOW_TEST_NEO4J_USER", "neo4j"),
        "password_file": Path(os.environ["GRAPHFLOW_TEST_NEO4J_PASSWORD_FILE"]),
        "database": os.environ.get("GRAPHFLOW_TEST_NEO4J_DATABASE") or None,
    }


def new_store(backend: Backend) -> Store:
    """A new :class:`Store` (its own driver and sessions) on ``backend``'s server."""
    from graphflow.store import Store

    if backend.server is not None:
        return backend.server.store(backend.server.read_info())
    settings = backend.profile.store
    assert settings.uri is not None
    return Store(
        settings.uri,
        user=settings.user or "neo4j",
        password=backend.profile.read_password(),
        database=settings.database,
    )
