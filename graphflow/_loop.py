"""The interpreter's one graphflow event loop, and the synchronous edge that waits on it.

graphflow's store, broker, transports and runner are asynchronous and live on one event
loop. Users call them from synchronous code: a script, a Jupyter cell (whose own loop is
already running in the main thread), a WorkChain step or a process function body. Those
callers never run on the graphflow loop itself, so :func:`call` can hand a coroutine to the
loop and block the calling thread until it is done, without nesting or re-entering loops.

Where the loop comes from: a daemon worker runs it in its main thread with
``asyncio.run`` and announces it with :func:`use_running_loop`; anywhere else (scripts,
notebooks, the CLI) it runs in a background thread started on first use and kept for the
life of the interpreter. User code (steps, process function bodies) always runs outside
the loop's thread, which is why a step that blocks for minutes never stops the loop from
answering broker heartbeats or committing other processes' writes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import concurrent.futures.thread  # registers its exit callback before ours (see the end)
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from graphflow.errors import GraphflowError

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

__all__ = ["call", "get_loop", "in_loop_thread", "on_shutdown", "submit", "use_running_loop"]

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread_id: int | None = None
_owned_thread: threading.Thread | None = None
_shutdown_hooks: list[Callable[[], Coroutine[Any, Any, None]]] = []


def use_running_loop() -> None:
    """Make the calling coroutine's loop graphflow's loop (daemon workers, async apps)."""
    global _loop, _thread_id
    with _lock:
        _loop = asyncio.get_running_loop()
        _thread_id = threading.get_ident()


def _serve(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
    asyncio.set_event_loop(loop)
    ready.set()
    loop.run_forever()


def get_loop() -> asyncio.AbstractEventLoop:
    """graphflow's loop, starting the background one on first use."""
    global _loop, _thread_id, _owned_thread
    with _lock:
        if _loop is not None and not _loop.is_closed():
            return _loop
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        thread = threading.Thread(
            target=_serve, args=(loop, ready), name="graphflow-loop", daemon=True
        )
        thread.start()
        ready.wait()
        _loop, _thread_id, _owned_thread = loop, thread.ident, thread
        return loop


def in_loop_thread() -> bool:
    """Whether the caller runs on graphflow's loop (where blocking calls are forbidden)."""
    return _thread_id is not None and threading.get_ident() == _thread_id


def submit(coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
    """Start ``coro`` on graphflow's loop; the caller decides how to wait (see :func:`call`)."""
    if in_loop_thread():
        coro.close()
        raise GraphflowError(
            "a synchronous graphflow call was made on graphflow's own event loop; "
            "await the asynchronous API there instead"
        )
    return asyncio.run_coroutine_threadsafe(coro, get_loop())


def call(coro: Coroutine[Any, Any, T], *, timeout: float | None = None) -> T:
    """Run ``coro`` on graphflow's loop and wait for its result in the calling thread.

    A KeyboardInterrupt while waiting cancels the coroutine, so Ctrl-C in a script or a
    notebook stops the work it started.
    """
    future = submit(coro)
    try:
        return future.result(timeout)
    except concurrent.futures.TimeoutError:
        future.cancel()
        raise TimeoutError(f"the operation did not finish within {timeout} s") from None
    except KeyboardInterrupt:
        future.cancel()
        raise


def on_shutdown(hook: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run ``hook`` on the loop when the interpreter exits (close drivers politely)."""
    _shutdown_hooks.append(hook)


def _shutdown() -> None:
    loop, thread = _loop, _owned_thread
    if loop is None or thread is None or loop.is_closed():
        return
    for hook in reversed(_shutdown_hooks):
        future = asyncio.run_coroutine_threadsafe(hook(), loop)
        try:
            future.result(10)
        except Exception:
            future.cancel()
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


# The hooks' last writes may need a thread (waiting for a write turn, resolving a host),
# so they run before the interpreter shuts its thread pools, which happens before
# atexit's callbacks: among threading's exit callbacks, which run newest first, so this
# one, registered after the thread pools' own, comes before it.
threading._register_atexit(_shutdown)  # type: ignore[attr-defined] # private, since 3.9
