"""Which interpreter drives a process, so that nobody resumes a process that is running.

A runner records itself in the process node's ``owner`` property when it starts or
resumes the process: host name, pid and the pid's start time (so a recycled pid is not
mistaken for the owner).

Whether an owner is alive is decided by its lease in the store (:mod:`._lease`), on every
host alike: an unexpired lease is alive, an expired one is not. Two shortcuts, on this
host only: an owner whose pid no longer runs (``/proc``) is gone at once, without waiting
for its lease to expire; and a live pid that keeps no lease (a runner in a user's
interpreter) is alive. Another host's owner without a lease is unknown (``None``).
"""

from __future__ import annotations

import os
import socket
from functools import cache
from typing import TYPE_CHECKING

from graphflow.engine._lease import lease_left

if TYPE_CHECKING:
    from collections.abc import Iterable

    from graphflow.store import Store

__all__ = ["job_elsewhere", "judge", "owner_alive", "owners_alive", "this_owner"]


def _start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            stat = handle.read()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return None
    return fields[19]  # field 22 of stat: start time in clock ticks since boot


@cache
def this_owner() -> str:
    """This interpreter as an owner string."""
    return f"{socket.gethostname()}:{os.getpid()}:{_start_time(os.getpid())}"


def owner_alive(owner: str | None) -> bool | None:
    """This host's quick answer, from ``/proc`` alone: True if that interpreter still runs,
    False if not, None if it is on another host (where only its lease tells:
    :func:`owners_alive`)."""
    if not owner:
        return False
    try:
        host, pid_text, start = owner.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False
    if host != socket.gethostname():
        return None
    return _start_time(pid) == start


def judge(owner: str | None, left: float | None) -> bool | None:
    """Whether ``owner`` is alive, given the seconds ``left`` on its lease (None: it has
    none): True, False, or None for another host's owner that keeps no lease."""
    here = owner_alive(owner)
    if here is False:
        return False  # no owner, or this host's pid is gone: no need to wait for its lease
    if left is not None:
        return left > 0
    return here


async def owners_alive(store: Store, owners: Iterable[str | None]) -> dict[str | None, bool | None]:
    """:func:`judge` for each of ``owners``, with one read of their leases."""
    wanted = set(owners)
    left = await lease_left(store, {owner for owner in wanted if owner})
    return {owner: judge(owner, left.get(owner) if owner else None) for owner in wanted}


def job_elsewhere(node: object) -> str | None:
    """The other host a calculation's job runs on with the local transport (its work
    directory and its process are there), or None when this host can continue it."""
    host = getattr(node, "job_host", None)
    return host if host and host != socket.gethostname() else None
