"""The process state machine (paper, Fig. 6) as one table.

::

                 START              WAIT
    CREATED ───────────▶ RUNNING ─────────▶ WAITING
       │                 │  ▲  │               │
       │                 │  └──┼─── RESUME ────┤
       │          FINISH │     │ EXCEPT/KILL   │ EXCEPT/KILL
       │                 ▼     ▼               ▼
       │            ((FINISHED)) ((EXCEPTED)) ((KILLED))
       └──────── EXCEPT / KILL ─────────▲

Terminal states (double circles) have no exits. ``paused`` is a flag beside the state,
not a state: a paused process keeps its state and does not advance until played.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Final

from graphflow.errors import IllegalTransitionError
from graphflow.types import ProcessState

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["TRANSITIONS", "Event", "next_state"]


class Event(enum.Enum):
    """What can happen to a process."""

    START = "start"
    WAIT = "wait"
    RESUME = "resume"
    FINISH = "finish"
    EXCEPT = "except"
    KILL = "kill"


S = ProcessState
TRANSITIONS: Final[Mapping[tuple[ProcessState, Event], ProcessState]] = {
    (S.CREATED, Event.START): S.RUNNING,
    (S.CREATED, Event.EXCEPT): S.EXCEPTED,
    (S.CREATED, Event.KILL): S.KILLED,
    (S.RUNNING, Event.WAIT): S.WAITING,
    (S.RUNNING, Event.FINISH): S.FINISHED,
    (S.RUNNING, Event.EXCEPT): S.EXCEPTED,
    (S.RUNNING, Event.KILL): S.KILLED,
    (S.WAITING, Event.RESUME): S.RUNNING,
    (S.WAITING, Event.EXCEPT): S.EXCEPTED,
    (S.WAITING, Event.KILL): S.KILLED,
}


def next_state(current: ProcessState, event: Event) -> ProcessState:
    """The state ``event`` leads to from ``current``; illegal moves name both."""
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        legal = sorted(e.value for (s, e) in TRANSITIONS if s is current)
        detail = f"event {event.value!r} is not allowed; allowed: {', '.join(legal) or 'none'}"
        raise IllegalTransitionError(current.value, _target_name(event), detail) from None


def _target_name(event: Event) -> str:
    targets = {t.value for (_, e), t in TRANSITIONS.items() if e is event}
    return "/".join(sorted(targets))
