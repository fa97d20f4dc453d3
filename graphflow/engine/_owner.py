"""Which interpreter drives a process, so that nobody resumes a process that is running.

A runner records itself in the process node's ``owner`` property when it starts or
resumes the process: host name, pid and the pid's start time (so a recycled pid is not
mistaken for the owner).
"""

from __future__ import annotations

import os
import socket
from functools import cache

__all__ = ["job_elsewhere", "owner_alive", "this_owner"]


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
    """True if that interpreter still runs, False if not, None if it is on another host."""
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


def job_elsewhere(node: object) -> str | None:
    """The other host a calculation's job runs on with the local transport (its work
    directory and its process are there), or None when this host can continue it."""
    host = getattr(node, "job_host", None)
    return host if host and host != socket.gethostname() else None
