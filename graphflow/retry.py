"""The one retry policy: what is tried again, after which pause, and until when.

Every operation that may outlive a passing failure (a store restarting, a write conflict,
a busy connection pool, a broker restart, an SSH server refusing connections) goes through
:func:`retry`, at one layer only: the layer that knows how to try again safely. Whether an
error is worth another try is decided by its ``retryable`` attribute (see
:mod:`graphflow.errors`), never by its message; the caller translates what a library
raises first. Every wait goes through a :class:`~graphflow.clock.Clock`, so the bounds the
README states are checked in tests by moving a fake clock, not by sleeping.

An operation runs under a :class:`Deadline`, an absolute time on its clock handed down
from whoever started it: a retry never pauses past it, and once it has passed the last
error is raised, saying how long and how often it was tried. The back-offs in use are
named here, so there is one table to read (README, "How long graphflow waits").
"""

from __future__ import annotations

import contextlib
import math
import random
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from graphflow.clock import Clock, MonotonicClock
from graphflow.errors import GraphflowError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

__all__ = [
    "BROKER_PUBLISH",
    "STORE_BUSY",
    "STORE_CONFLICT",
    "STORE_UNREACHABLE",
    "TASK_TAKE",
    "Backoff",
    "Deadline",
    "deadline_or",
    "deadline_scope",
    "is_retryable",
    "retry",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Backoff:
    """Pauses between tries: ``first``, then ``factor`` times the previous, at most ``cap``.

    With ``jitter`` each pause is drawn from [0.5, 1.5) times its nominal length, so a
    crowd that failed together (ten thousand woken processes, several workers meeting one
    restarted store) does not come back together.
    """

    first: float
    cap: float
    factor: float = 2.0
    jitter: bool = True
    #: the first retry comes at once (one whose conditions changed by themselves: a
    #: write that lost a conflict runs its next try alone, and cannot lose again)
    at_once_first: bool = False

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        """The pauses, one per retry, without end."""
        draw = (rng or random).random
        nominal = self.first
        if self.at_once_first:
            yield 0.0
        while True:
            yield nominal * (0.5 + draw()) if self.jitter else nominal
            nominal = min(nominal * self.factor, self.cap)


#: the store's server is away (restarting, or the embedded one being brought back)
STORE_UNREACHABLE = Backoff(first=0.2, cap=5.0)
#: another writer changed the same data (ArcadeDB's optimistic concurrency); the next try
#: has the store to itself (store._write_lock), so it need not wait
STORE_CONFLICT = Backoff(first=0.01, cap=0.5, at_once_first=True)
#: every pooled connection is in use: wait a turn (back-pressure, never a failure)
STORE_BUSY = Backoff(first=0.05, cap=2.0)
#: the broker is away (a restart); its robust connection comes back by itself
BROKER_PUBLISH = Backoff(first=0.2, cap=5.0)
#: a daemon worker cannot take a task yet (store or broker away): it keeps the task
TASK_TAKE = Backoff(first=0.5, cap=10.0)


@dataclass(slots=True)
class Deadline:
    """An absolute time on ``clock`` by which an operation must have succeeded or failed.

    Passed down, never re-derived: a write that waits for the write lock, then meets a
    restarting store, then a conflict, has one deadline for all three. It only ever moves
    closer (:meth:`end_now`): a daemon worker that stops ends the open-ended waits of the
    tasks it still keeps, which then hand those tasks back.
    """

    at: float
    clock: Clock = field(default_factory=MonotonicClock)

    @classmethod
    def after(cls, seconds: float, clock: Clock | None = None) -> Deadline:
        """``seconds`` from now (``math.inf``: never)."""
        clock = clock or MonotonicClock()
        return cls(clock.now() + seconds, clock)

    @classmethod
    def never(cls, clock: Clock | None = None) -> Deadline:
        """No deadline: tried until it succeeds, fails for good, or is cancelled."""
        return cls(math.inf, clock or MonotonicClock())

    def end_now(self) -> None:
        """Let every retry under this deadline give up at its next failure."""
        self.at = min(self.at, self.clock.now())


def is_retryable(exc: BaseException) -> bool:
    """Whether repeating the operation later may succeed, as the error itself says."""
    return isinstance(exc, GraphflowError) and exc.retryable


async def retry(
    operation: Callable[[], Awaitable[T]],
    *,
    backoff: Backoff | Callable[[BaseException], Backoff],
    deadline: Deadline,
    retry_if: Callable[[BaseException], bool] = is_retryable,
    attempts: int | None = None,
    on_retry: Callable[[BaseException, int, float], None] | None = None,
    pause: Callable[[float], Awaitable[None]] | None = None,
) -> T:
    """``await operation()``, tried again after each error ``retry_if`` accepts.

    Args:
        operation: makes one try; must be safe to repeat after the errors it lets retry.
        backoff: the pauses between tries, or which pauses follow a given error (each
            kind of failure then backs off on its own: a conflict after a restart does
            not wait as long as the restart did).
        deadline: no pause ends after it; once it has passed the last error is raised.
        retry_if: which errors are worth another try (by default their ``retryable``).
        attempts: at most this many tries in all (``None``: as many as the deadline allows).
        on_retry: told ``(error, tries so far, pause)`` before each pause, to report it.
        pause: waits the given seconds (default: the deadline's clock); a caller whose
            wait must end early (a job paused or killed meanwhile) passes its own.

    Raises:
        The last error, once it is not retryable, the tries are used up, or the next
        pause would end past the deadline. A :class:`~graphflow.errors.GraphflowError`
        raised for running out is a new one of the same class saying how long and how
        often it was tried, chained to the last.
    """
    clock = deadline.clock
    started = clock.now()
    tries = 0
    delays: dict[Backoff, Iterator[float]] = {}
    while True:
        tries += 1
        try:
            return await operation()
        except Exception as exc:
            if not retry_if(exc):
                raise
            kind = backoff if isinstance(backoff, Backoff) else backoff(exc)
            delay = next(delays.setdefault(kind, kind.delays()))
            out_of_tries = attempts is not None and tries >= attempts
            if out_of_tries or clock.now() + delay > deadline.at:
                final = _gave_up(exc, tries, clock.now() - started)
                if final is exc:
                    raise
                raise final from exc
            if on_retry is not None:
                on_retry(exc, tries, delay)
            if pause is not None:
                await pause(delay)
            else:
                await clock.sleep_until(clock.now() + delay)


def _gave_up(exc: Exception, tries: int, elapsed: float) -> Exception:
    """``exc`` again, its message saying how long it was tried (when its class allows)."""
    if tries == 1 or not isinstance(exc, GraphflowError):
        return exc
    try:
        again = type(exc)(f"{exc} (tried {tries} times over {elapsed:.1f} s)")
    except TypeError:  # a subclass with a constructor of its own
        return exc
    return again


_scope: ContextVar[Deadline | None] = ContextVar("graphflow_deadline", default=None)


@contextlib.contextmanager
def deadline_scope(deadline: Deadline) -> Iterator[Deadline]:
    """Give the operations started inside (in this task, and in the tasks it creates)
    ``deadline`` unless they are handed one explicitly: how a daemon worker makes the
    store calls of a task it keeps wait for the store as long as it keeps the task."""
    token = _scope.set(deadline)
    try:
        yield deadline
    finally:
        _scope.reset(token)


def deadline_or(seconds: float, clock: Clock) -> Deadline:
    """The deadline of the enclosing :func:`deadline_scope`, or ``seconds`` from now."""
    scoped = _scope.get()
    return scoped if scoped is not None else Deadline.after(seconds, clock)
