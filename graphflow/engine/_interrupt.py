"""Ctrl-C while ``run()`` waits for a process, as a person at a terminal expects.

The first Ctrl-C kills the process and everything it runs, cleanly: the step that is
running finishes (user code in a thread cannot be stopped halfway), then the tree is
written ``killed`` with an exit message saying it was interrupted, and ``run()`` raises
a KeyboardInterrupt saying so (a plain one: Python then exits with status 130, as a
shell expects; its ``reported`` attribute tells graphflow's CLI not to say it again). One
line on stderr says what is happening.

A second Ctrl-C does not wait for that step: the process is left as its last checkpoint
says, to be continued with ``graphflow process resume``, and a script exits at once with
status 130, as after a ``kill -9`` (what was committed is consistent; nothing else is
written). In a notebook or an interactive interpreter, which must survive, the process
is detached instead and a KeyboardInterrupt raised.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING

from graphflow import _loop

if TYPE_CHECKING:
    import concurrent.futures
    from collections.abc import Awaitable, Callable

    from graphflow.engine._process import Process
    from graphflow.engine._runner import ProcessHandle, Runner

__all__ = ["INTERRUPT_MESSAGE", "wait_for_run"]

INTERRUPT_MESSAGE = "interrupted by the user (Ctrl-C)"
#: the exit status of a program stopped by SIGINT, as shells report it
EXIT_INTERRUPTED = 130


def wait_for_run(
    process: Process,
    future: concurrent.futures.Future[ProcessHandle],
    runner: Callable[[], Awaitable[Runner]],
    wait: Callable[[concurrent.futures.Future[ProcessHandle]], ProcessHandle] | None = None,
) -> ProcessHandle:
    """Wait for ``future`` (the run of ``process`` by ``runner()`` on graphflow's loop),
    handling Ctrl-C. ``wait(future)`` waits (default: ``future.result()``); a caller that
    runs the process's body serves it meanwhile, and Ctrl-C stops that body at once."""
    body_here = wait is not None
    wait = wait or _result
    try:
        return wait(future)
    except KeyboardInterrupt:
        pass
    node = process.node
    if body_here:  # the body stopped already: nothing is left to wait for, or to resume
        _say(f"Interrupted: killing {node._ident()}")
    else:
        _say(
            f"Interrupted: killing {node._ident()} and the processes it runs once the running "
            f"step ends (Ctrl-C again to stop now and leave it to 'graphflow process resume "
            f"{node.pk}')"
        )
    try:
        _loop.call(_interrupt(runner, node.uuid))
        wait(future)
    except KeyboardInterrupt:
        _leave_resumable(process, runner)
    interrupt = KeyboardInterrupt(f"{node._ident()} was killed: {INTERRUPT_MESSAGE}")
    interrupt.reported = True  # type: ignore[attr-defined]
    raise interrupt from None


def _result(future: concurrent.futures.Future[ProcessHandle]) -> ProcessHandle:
    return future.result()


def _leave_resumable(process: Process, runner: Callable[[], Awaitable[Runner]]) -> None:
    node = process.node
    _loop.submit(_detach(runner, node.uuid))
    _say(
        f"Stopped: {node._ident()} is left at its last checkpoint; continue it with "
        f"'graphflow process resume {node.pk}'"
    )
    if _may_exit_now():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)
    raise KeyboardInterrupt from None


async def _interrupt(runner: Callable[[], Awaitable[Runner]], uuid: str) -> None:
    await (await runner()).interrupt(uuid, INTERRUPT_MESSAGE)


async def _detach(runner: Callable[[], Awaitable[Runner]], uuid: str) -> None:
    (await runner()).detach(uuid)


def _may_exit_now() -> bool:
    """Whether ending the interpreter is what a second Ctrl-C means here (a script), not
    an interactive session or a notebook kernel that must stay alive."""
    return (
        threading.current_thread() is threading.main_thread()
        and not sys.flags.interactive
        and not hasattr(sys, "ps1")
        and "ipykernel" not in sys.modules
    )


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
