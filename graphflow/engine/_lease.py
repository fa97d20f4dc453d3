"""Leases: how a runner tells every host, through the store, that it is still alive.

A daemon worker keeps a ``:Lease`` node keyed by its owner string (the ``owner`` its
processes carry, :func:`graphflow.engine._owner.this_owner`). It writes the lease before
it takes its first task and renews it every ``lease_renew`` seconds (profile option,
default 10) for ``lease_seconds`` (default 30); a clean stop ends it (expired at once).
A runner whose lease is unexpired is alive, whatever host it is on; one whose lease
expired (its host died, or it lost the store for a whole lease) is not, and other workers
take its processes over (:mod:`graphflow.daemon._worker`). Taking over is safe even if the old
owner lives on: every write of a process is fenced by its owner
(:meth:`graphflow.store.WriteBatch.fence`), so a late commit of the old owner is refused.

Expiry is reckoned on the store server's clock (Cypher ``timestamp()``) alone, never on a
host's: hosts whose clocks disagree still agree on which leases have expired. The lease
also carries the worker's figures (slots, busy, waiting, done), so ``graphflow daemon
status`` shows the workers of every host from the store.

::

    worker start --write--> Lease(expires = server now + 30 s)
         every 10 s --renew--> expires = server now + 30 s     (figures updated too)
    clean stop --end--> expired at once (deleted by a later worker's start)
    host dies: nobody renews --30 s--> expired: its processes are taken over
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphflow.clock import Clock, MonotonicClock
from graphflow.config import LEASE_RENEW, LEASE_SECONDS
from graphflow.errors import GraphflowError
from graphflow.retry import Deadline, deadline_scope
from graphflow.store import query

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping

    from graphflow.store import Store

__all__ = [
    "LEASE_FORGET",
    "LEASE_RENEW",
    "LEASE_SECONDS",
    "LeaseKeeper",
    "LeaseRow",
    "lease_left",
    "list_leases",
]

log = logging.getLogger("graphflow.engine.lease")

#: an expired lease stays this long (status shows the host that never came back), then goes
LEASE_FORGET = 24 * 3600.0
#: seconds a stopping runner tries to end its lease (at exit, perhaps with the store gone)
END_WAIT = 5.0
#: the figures a lease carries, for status
FIGURES = ("slots", "busy", "waiting", "done")


@dataclass(frozen=True, slots=True)
class LeaseRow:
    """A lease as stored, its times on the store server's clock."""

    owner: str
    host: str
    pid: int
    kind: str
    #: seconds, on the server's clock: since first written, since last renewed, until it
    #: expires (zero or less: expired)
    up: float
    age: float
    left: float
    slots: int | None
    busy: int | None
    waiting: int | None
    done: int | None

    @property
    def alive(self) -> bool:
        return self.left > 0


async def lease_left(store: Store, owners: Collection[str]) -> dict[str, float]:
    """Seconds until the lease of each of ``owners`` expires (zero or less: expired), for
    those that have one; one read for all of them."""
    if not owners:
        return {}
    rows = await store.read(query("engine.lease_left"), owners=sorted(owners))
    return {row["owner"]: row["left_ms"] / 1000.0 for row in rows}


async def list_leases(store: Store, profile: str) -> list[LeaseRow]:
    """Every lease of ``profile``'s runners, on every host, expired ones too."""
    rows = await store.read(query("engine.leases"), profile=profile)
    return [
        LeaseRow(
            owner=row["owner"],
            host=row["host"],
            pid=int(row["pid"]),
            kind=row["kind"],
            up=row["up_ms"] / 1000.0,
            age=row["age_ms"] / 1000.0,
            left=row["left_ms"] / 1000.0,
            **{name: row.get(name) for name in FIGURES},
        )
        for row in rows
    ]


class LeaseKeeper:
    """Writes, renews and finally deletes one runner's lease.

    Args:
        store: where the lease is kept.
        owner: the runner's owner string (its processes' ``owner``: ``host:pid:start``).
        profile: the profile's name (status lists a profile's leases).
        figures: the runner's current figures (:data:`FIGURES`), read at each renewal.
        seconds, renew: the lease's length and the renewal interval.
        clock: paces the renewals (a fake one in tests).

    A renewal is one store write, retried by the store through the one retry policy
    (graphflow.retry) until the next renewal is due; one that still fails is logged as an
    error and tried again at the next interval, never swallowed silently. A lease that
    lapsed meanwhile is written again, and the log says that its processes may have been
    taken over (their late writes are then refused by the fence).
    """

    def __init__(
        self,
        store: Store,
        *,
        owner: str,
        profile: str,
        figures: Callable[[], Mapping[str, object]],
        seconds: float = LEASE_SECONDS,
        renew: float = LEASE_RENEW,
        kind: str = "worker",
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self.owner = owner
        self.profile = profile
        self.figures = figures
        self.seconds = seconds
        self.renew_every = renew
        self.kind = kind
        self.clock: Clock = clock or MonotonicClock()
        self.renewals = 0
        self.failures = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Write the lease (before the runner claims anything), forget the leases of the
        profile that expired long ago or whose runners stopped, and renew from now on."""
        await self.renew()
        try:
            await self.store.write(
                query("engine.forget_leases"),
                profile=self.profile,
                forget_ms=int(LEASE_FORGET * 1000),
                stopped_ms=int(self.seconds * 1000),
            )
        except GraphflowError as exc:  # only tidiness: status shows them a while longer
            log.warning("forgetting the long-expired leases of %s failed: %s", self.profile, exc)
        self._task = asyncio.get_running_loop().create_task(
            self._keep(), name=f"lease of {self.owner}"
        )

    async def renew(self) -> None:
        """Write the lease for another ``seconds`` from now (the server's now)."""
        figures = self.figures()
        host, pid, _ = self.owner.rsplit(":", 2)  # an owner string: host:pid:start time
        rows = await self.store.write(
            query("engine.renew_lease"),
            owner=self.owner,
            host=host,
            pid=int(pid),
            profile=self.profile,
            kind=self.kind,
            ttl_ms=int(self.seconds * 1000),
            **{name: _count(figures.get(name)) for name in FIGURES},
        )
        self.renewals += 1
        if rows and rows[0]["lapsed"]:
            log.error(
                "the lease of %s had expired before this renewal: other workers may have taken "
                "its processes over (their late writes from here are refused)",
                self.owner,
            )

    async def _keep(self) -> None:
        while True:
            await self.clock.sleep_until(self.clock.now() + self.renew_every)
            try:
                # the store retries a passing failure until the next renewal is due
                with deadline_scope(Deadline.after(self.renew_every, self.clock)):
                    await self.renew()
            except GraphflowError as exc:
                self.failures += 1
                log.error(
                    "the lease of %s was not renewed (%s); trying again in %.0f s. If it "
                    "stays unrenewed for %.0f s, other workers take its processes over",
                    self.owner,
                    exc,
                    self.renew_every,
                    self.seconds,
                )

    async def stop(self) -> None:
        """Stop renewing and end the lease: what the runner handed back is free at once."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        try:
            # not worth a store call's whole deadline: unended, it expires by itself
            with deadline_scope(Deadline.after(END_WAIT, self.clock)):
                await self.store.write(query("engine.end_lease"), owner=self.owner)
        except GraphflowError as exc:
            log.error(
                "the lease of %s could not be ended (%s): it expires in at most %.0f s",
                self.owner,
                exc,
                self.seconds,
            )


def _count(value: object) -> int | None:
    return int(value) if isinstance(value, (int, float)) else None
