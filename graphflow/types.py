"""Closed sets shared across layers, with no behaviour of their own."""

from __future__ import annotations

import enum

__all__ = ["LinkType", "ProcessState"]


class ProcessState(enum.Enum):
    """The states of the process state machine (paper, Fig. 6); ``.value`` is stored."""

    CREATED = "created"
    WAITING = "waiting"
    RUNNING = "running"
    FINISHED = "finished"
    EXCEPTED = "excepted"
    KILLED = "killed"

    @property
    def is_terminal(self) -> bool:
        """Whether no transition leaves this state."""
        return self in _TERMINAL

    def __str__(self) -> str:
        return self.value


_TERMINAL = frozenset({ProcessState.FINISHED, ProcessState.EXCEPTED, ProcessState.KILLED})


class LinkType(enum.Enum):
    """The provenance link types; each is a relationship type in the graph."""

    INPUT = "INPUT"
    CREATE = "CREATE"
    RETURN = "RETURN"
    CALL = "CALL"

    def __str__(self) -> str:
        return self.value
