"""The only package that talks to the graph database, and the file repository beside it.

Everything here is asynchronous (the repository excepted: it is plain file I/O used from
the threads that run user code). It imports nothing of graphflow but errors and types.
"""

from graphflow.store._bookmarks import Bookmarks
from graphflow.store._client import QueryResult, Store, Transaction
from graphflow.store._embedded import DEFAULT_COMMAND_TIMEOUT, EmbeddedServer, ServerInfo
from graphflow.store._limits import (
    INT64_MAX,
    INT64_MIN,
    MAX_TEXT_BYTES,
    check_properties,
    unicode_problem,
)
from graphflow.store._model import EXTRAS, entry_properties
from graphflow.store._pk import PkAllocator
from graphflow.store._positions import error_position, marks_its_own_position
from graphflow.store._queries import CypherQuery, all_queries, cypher_directory, query
from graphflow.store._readonly import find_write_clause, is_write, refusal
from graphflow.store._repository import FileRepository
from graphflow.store._schema import SCHEMA_VERSION, setup_schema
from graphflow.store._writer import GroupCommitWriter, WriteBatch

__all__ = [
    "DEFAULT_COMMAND_TIMEOUT",
    "EXTRAS",
    "INT64_MAX",
    "INT64_MIN",
    "MAX_TEXT_BYTES",
    "SCHEMA_VERSION",
    "Bookmarks",
    "CypherQuery",
    "EmbeddedServer",
    "FileRepository",
    "GroupCommitWriter",
    "PkAllocator",
    "QueryResult",
    "ServerInfo",
    "Store",
    "Transaction",
    "WriteBatch",
    "all_queries",
    "check_properties",
    "cypher_directory",
    "entry_properties",
    "error_position",
    "find_write_clause",
    "is_write",
    "marks_its_own_position",
    "query",
    "refusal",
    "setup_schema",
    "unicode_problem",
]
