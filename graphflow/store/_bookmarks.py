"""Causal consistency: a reader sees what the writer it heard from had committed.

On a Neo4j cluster a read may go to a follower that has not applied the latest commits
yet. A bookmark names a commit; a transaction begun with bookmarks waits (on the server)
until the server it runs on has applied them. graphflow keeps one set per store per
interpreter: every session takes part in it, so the interpreter reads its own writes
wherever they land, and a message it publishes after a commit carries the set, so whoever
receives the message reads everything its sender had committed (see broker._rabbitmq).

The set is bounded (:data:`KEPT`): concurrent transactions (each replacing only the
bookmarks it began with) and messages between workers (each adding its sender's set)
grew it without end. Commits to one database are ordered, so a commit covers every commit
made before it: the newest KEPT of this interpreter's own commits are kept, and of those
heard from messages the newest 2 x KEPT, so all that the latest message carried (a commit
acknowledged more than KEPT places out of order is the only one that could be left out).

A single server is causally consistent by itself: the set costs a few bytes per message.
ArcadeDB returns bookmarks of its own (``arcade:tx:...``) and waits for none.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from graphflow.store._driver_import import import_driver

import_driver()  # before the first import of neo4j: without its dataframe libraries

from neo4j.api import AsyncBookmarkManager  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Collection

__all__ = ["KEPT", "MAX_BOOKMARKS", "Bookmarks"]

log = logging.getLogger(__name__)

#: the newest bookmarks kept of this interpreter's own commits (and twice as many heard)
KEPT = 8
#: a message claiming more is refused (see observe)
MAX_BOOKMARKS = 64
MAX_BOOKMARK_CHARS = 1024


class Bookmarks(AsyncBookmarkManager):
    """The commits this interpreter has made or heard of, for one store: the driver's
    bookmark manager for every session of the store (all on one event loop)."""

    def __init__(self) -> None:
        #: this interpreter's commits, and those heard from messages; oldest first
        self._own: dict[str, None] = {}
        self._heard: dict[str, None] = {}

    async def update_bookmarks(
        self, previous_bookmarks: Collection[str], new_bookmarks: Collection[str]
    ) -> None:
        """The driver's call after a commit: the new bookmark covers those it began with."""
        if not new_bookmarks:
            return
        for bookmark in previous_bookmarks:
            self._own.pop(bookmark, None)
            self._heard.pop(bookmark, None)
        for bookmark in new_bookmarks:
            self._heard.pop(bookmark, None)
            self._own[bookmark] = None
        self._trim()

    async def get_bookmarks(self) -> set[str]:
        """The driver's call before a transaction: what it must wait for."""
        return {*self._own, *self._heard}

    def current(self) -> list[str]:
        """What a message carries so that its reader sees all this interpreter saw: its
        own newest commits, and the newest KEPT it heard (those before are covered by
        the commits it made since, or by the latest messages it got)."""
        heard = list(self._heard)[-KEPT:]
        return sorted({*self._own, *heard})

    def _trim(self) -> None:
        # a message carries up to KEPT of its sender's own and KEPT it heard: all of the
        # latest message are kept
        for kept, room in ((self._own, KEPT), (self._heard, 2 * KEPT)):
            while len(kept) > room:
                del kept[next(iter(kept))]

    def observe(self, bookmarks: Collection[str]) -> None:
        """Make this interpreter's next transactions wait for ``bookmarks`` (a message's).

        Raises ``ValueError`` naming the problem for anything that is not a short list of
        strings.
        """
        if len(bookmarks) > MAX_BOOKMARKS:
            raise ValueError(f"{len(bookmarks)} bookmarks (at most {MAX_BOOKMARKS})")
        for bookmark in bookmarks:
            if not isinstance(bookmark, str) or not 0 < len(bookmark) <= MAX_BOOKMARK_CHARS:
                raise ValueError(f"not a bookmark: {bookmark!r:.80}")
        for bookmark in bookmarks:
            if bookmark not in self._own:
                self._heard.pop(bookmark, None)
                self._heard[bookmark] = None  # the newest goes last
        self._trim()

    def forget(self, reason: str) -> None:
        """Drop every bookmark, after the server refused one: a bad bookmark from one
        message must not fail every later transaction of the interpreter."""
        count = len(self._own) + len(self._heard)
        if count:
            log.warning("forgot %d bookmarks: %s", count, reason)
        self._own.clear()
        self._heard.clear()
