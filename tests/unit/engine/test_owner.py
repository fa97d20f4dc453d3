"""Whether a process's owner is alive: its lease decides, /proc only shortens (engine._owner)."""

from __future__ import annotations

import os
import socket

import pytest

from graphflow.engine._owner import _start_time, judge, this_owner

HERE = socket.gethostname()
#: this host, a pid that never ran at that start time: a dead runner
DEAD_HERE = f"{HERE}:1:not-its-start-time"
FAR = "gf-host-that-is-not-this-one:4242:123456"


@pytest.mark.parametrize(
    ("owner", "left", "alive"),
    [
        (None, None, False),
        ("", 30.0, False),
        ("no-colons-at-all", 30.0, False),
        ("host:not-a-pid:1", 30.0, False),
        # another host: only its lease tells
        (FAR, None, None),  # keeps no lease: unknown
        (FAR, 30.0, True),
        (FAR, 0.001, True),  # the last millisecond of a lease is still inside it
        (FAR, 0.0, False),  # the instant it expires, it is over
        (FAR, -3600.0, False),  # a host that never came back
        # this host: a gone pid is dead at once, even with an unexpired lease
        (DEAD_HERE, 30.0, False),
        (DEAD_HERE, None, False),
    ],
)
def test_the_lease_decides_and_proc_only_shortens(
    owner: str | None, left: float | None, alive: bool | None
) -> None:
    assert judge(owner, left) is alive


def test_a_live_pid_of_this_host_is_judged_by_its_lease_when_it_has_one() -> None:
    me = this_owner()
    assert judge(me, None) is True  # a user's interpreter keeps no lease
    assert judge(me, 12.0) is True
    assert judge(me, 0.0) is False  # its lease lapsed (a stuck loop): taken over, fenced
    assert judge(me, -1.0) is False


def test_a_recycled_pid_is_not_its_old_owner() -> None:
    start = _start_time(os.getpid())
    assert start is not None
    assert judge(f"{HERE}:{os.getpid()}:{int(start) + 1}", 30.0) is False
