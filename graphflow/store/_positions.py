"""Where a Cypher syntax error is, read from the server's message.

The two servers say it differently: ArcadeDB ``line 1:9`` (columns from 0), Neo4j
``line 1, column 10 (offset: 9)`` (columns from 1) and a caret line of its own. The shell
and the notebook magic both mark the position, so the reading lives in one place.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["error_position", "marks_its_own_position"]

_ARCADE_POSITION: Final = re.compile(r"\bline (\d+):(\d+)")
_NEO4J_POSITION: Final = re.compile(r"\bline (\d+), column (\d+)")


def marks_its_own_position(message: str) -> bool:
    """Neo4j quotes the offending line and draws its own ``^`` under the position."""
    return "^" in message


def error_position(message: str) -> tuple[int, int] | None:
    """``(line, column)`` of the error, line from 1 and column from 0, or ``None``."""
    match = _NEO4J_POSITION.search(message)
    if match is not None:
        return int(match.group(1)), int(match.group(2)) - 1
    match = _ARCADE_POSITION.search(message)
    if match is not None:
        return int(match.group(1)), int(match.group(2))
    return None
