"""A profile's live connection: store client, schema, writer, pk allocator, repository.

One :class:`Backend` per profile per interpreter, created on first use on graphflow's
event loop and shared by everything that runs there (scripts, the runner, the shell).
For the embedded store it starts (or finds) the profile's ArcadeDB server first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from graphflow import _loop
from graphflow.config import Profile, create_secret, resolve_profile
from graphflow.errors import ConfigError, GraphflowError, StoreError
from graphflow.store import (
    DEFAULT_COMMAND_TIMEOUT,
    Bookmarks,
    EmbeddedServer,
    FileRepository,
    GroupCommitWriter,
    PkAllocator,
    Store,
    query,
    setup_schema,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "Backend",
    "bookmarks_of",
    "create_unique",
    "current_profile",
    "embedded_server",
    "get_backend",
    "load_profile",
]

log = logging.getLogger(__name__)

_current: Profile | None = None
_backends: dict[str, Backend] = {}
_backends_lock: asyncio.Lock | None = None
_bookmarks: dict[str, Bookmarks] = {}


def bookmarks_of(profile: Profile) -> Bookmarks:
    """The interpreter's bookmarks for ``profile``'s store, shared by its backend and its
    broker link: a message sent after a commit carries them (see store._bookmarks)."""
    return _bookmarks.setdefault(profile.name, Bookmarks())


class Backend:
    """Everything one profile needs to read and write, owned for the interpreter's life."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.server: EmbeddedServer | None = None
        self.repository = FileRepository(profile.repository_directory)
        self._store: Store | None = None
        self._writer: GroupCommitWriter | None = None
        self._writer_task: asyncio.Task[None] | None = None
        self.store_id = ""
        self._pks: PkAllocator | None = None

    @property
    def store(self) -> Store:
        assert self._store is not None, "Backend.start() was not awaited"
        return self._store

    @property
    def writer(self) -> GroupCommitWriter:
        assert self._writer is not None, "Backend.start() was not awaited"
        return self._writer

    @property
    def pks(self) -> PkAllocator:
        assert self._pks is not None, "Backend.start() was not awaited"
        return self._pks

    async def start(self) -> None:
        """Connect (starting the embedded server if needed) and set the schema up."""
        settings = self.profile.store
        if settings.kind == "embedded":
            self.server = embedded_server(self.profile)
            info = await self.server.ensure_running()
            self._store = self.server.store(info, bookmarks_of(self.profile))
            self._store.set_recovery(self._recover_embedded)
        else:
            assert settings.uri is not None
            self._store = Store(
                settings.uri,
                user=settings.user or "neo4j",
                password=self.profile.read_password(),
                database=settings.database,
                bookmarks=bookmarks_of(self.profile),
            )
        await self._store.check()  # fails fast (no retries) when the server is unreachable
        await setup_schema(self._store)
        rows = await self._store.write(query("schema.store_id"), candidate=uuid.uuid4().hex)
        #: the store's own id, the same for every profile (on any host) that uses it
        self.store_id = str(rows[0]["store_id"])
        self._pks = PkAllocator(self._store)
        self._writer = GroupCommitWriter(self._store)
        self._writer_task = asyncio.create_task(self._writer.run(), name="graphflow-writer")
        self._writer_task.add_done_callback(_report_crash)

    def writer_running(self) -> bool:
        """Whether the writer task still runs (it ends only when the backend closes)."""
        return self._writer_task is not None and not self._writer_task.done()

    async def _recover_embedded(self) -> str:
        assert self.server is not None
        info = await self.server.recover()
        return info.uri

    async def close(self) -> None:
        """Finish pending writes, then close connections."""
        if self._writer is not None and self._writer_task is not None:
            await self._writer.close()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer_task
        if self._store is not None:
            await self._store.close()


def _report_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.critical("the store writer stopped", exc_info=task.exception())


def embedded_server(profile: Profile) -> EmbeddedServer:
    """The embedded server of ``profile`` (not started: see ``ensure_running``)."""
    return EmbeddedServer(
        profile.store_directory,
        password=_embedded_password(profile),
        heap=profile.store.heap,
        command_timeout=float(profile.option("store_command_timeout", DEFAULT_COMMAND_TIMEOUT)),
    )


def _embedded_password(profile: Profile) -> str:
    """The embedded server's root password, generated into a 0600 file on first use."""
    path = profile.password_file
    if not path.exists():
        if (profile.store_directory / "databases").exists():
            raise ConfigError(
                f"profile {profile.name!r}: the store password file {path} is missing but "
                f"the database under {profile.store_directory} exists; restore the file"
            )
        # another process of the profile may be making it at this moment: one wins
        create_secret(path, secrets.token_urlsafe(24))
    return profile.read_password()


def load_profile(name: str | None = None) -> Profile:
    """Select the profile this interpreter uses from now on (``None``: the default)."""
    global _current
    _current = resolve_profile(name)
    return _current


def current_profile() -> Profile:
    """The selected profile, selecting the default one on first use."""
    return _current if _current is not None else load_profile()


async def get_backend(profile: Profile | None = None) -> Backend:
    """The started backend of ``profile`` (default: the current one), made on first use."""
    global _backends_lock
    profile = profile or current_profile()
    backend = _backends.get(profile.name)
    if backend is not None:
        return backend
    if _backends_lock is None:
        _backends_lock = asyncio.Lock()
    async with _backends_lock:
        backend = _backends.get(profile.name)
        if backend is None:
            backend = Backend(profile)
            await backend.start()
            _backends[profile.name] = backend
            if len(_backends) == 1:
                _loop.on_shutdown(close_backends)
    return backend


async def close_backends() -> None:
    """Close every backend of this interpreter (at exit, or between tests)."""
    while _backends:
        _, backend = _backends.popitem()
        await backend.close()


def create_unique(
    create: str,
    props: Mapping[str, Any],
    lookup: str,
    lookup_params: Mapping[str, Any],
    refusal: GraphflowError,
) -> None:
    """Run the named ``create`` statement for a record with a unique key (a computer, a
    group); ``refusal`` if one with that key exists. Servers word a unique-constraint
    violation differently, so a failed create looks the record up instead."""

    async def run() -> None:
        backend = await get_backend()
        try:
            await backend.store.write(query(create), props=dict(props))
        except StoreError as exc:
            if await backend.store.read(query(lookup), **lookup_params):
                raise refusal from exc
            raise

    _loop.call(run())
