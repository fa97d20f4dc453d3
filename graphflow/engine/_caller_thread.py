"""An executor that runs the runner's work in the thread that waits for the run.

A top-level process function is driven by the runner like any process, but its body
belongs in the caller's thread: the caller blocks until the function returns anyway,
Ctrl-C (delivered to the main thread) must stop the body itself, and code that must run
in the main thread (signal handlers, some GUI and plotting back ends) works as it does
outside graphflow. The runner hands the body to this executor; the caller serves it
while it waits for the run to end.
"""

from __future__ import annotations

import concurrent.futures
import queue
from typing import TYPE_CHECKING, Any, TypeVar

from graphflow.engine._process import exit_called
from graphflow.errors import ProcessError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["CallerThread", "StepInterruptedError"]

T = TypeVar("T")

_STOP = object()


class StepInterruptedError(ProcessError):
    """The work was stopped by Ctrl-C in the caller's thread."""


class CallerThread(concurrent.futures.Executor):
    """Runs submitted work in whichever thread calls :meth:`serve_until`."""

    def __init__(self) -> None:
        self._work: queue.SimpleQueue[Any] = queue.SimpleQueue()
        #: the work Ctrl-C stopped, failed only when serving resumes (see serve_until)
        self._interrupted: concurrent.futures.Future[Any] | None = None
        #: a SystemExit (or other BaseException) the work raised: re-raised to the caller
        #: once the run is over (the loop must never see one)
        self._escaped: BaseException | None = None

    def submit(
        self, fn: Callable[..., T], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._work.put((future, fn, args, kwargs))
        return future

    def serve_until(self, done: concurrent.futures.Future[T]) -> T:
        """Run submitted work here until ``done`` is, then return its result.

        A KeyboardInterrupt raised while the work runs propagates at once; the work it
        stopped fails with :class:`StepInterruptedError` when serving resumes. So the caller can
        first ask the runner to kill the process, and the runner then meets a killed
        process's failed step, never a failure it would record as the process's own.
        Another BaseException (``sys.exit()`` in the body) fails the work as an error,
        and is raised here once ``done`` is.
        """
        if self._interrupted is not None:
            stopped, self._interrupted = self._interrupted, None
            stopped.set_exception(StepInterruptedError("interrupted by the user (Ctrl-C)"))
        done.add_done_callback(lambda _: self._work.put(_STOP))
        while True:
            item = self._work.get()
            if item is _STOP:
                if self._escaped is not None:
                    escaped, self._escaped = self._escaped, None
                    raise escaped
                return done.result()
            future, fn, args, kwargs = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except KeyboardInterrupt:
                self._interrupted = future
                raise
            except Exception as exc:
                future.set_exception(exc)
            except BaseException as exc:
                self._escaped = exc
                future.set_exception(
                    exit_called(exc)
                    if isinstance(exc, SystemExit)
                    else ProcessError(f"{type(exc).__name__}: {exc}")
                )
            else:
                future.set_result(result)
