"""The content-addressed file repository: file contents live here, never in the graph.

An object's key is the SHA-256 of its content, so identical content is stored once and
storing is idempotent. Objects are written to a temporary file, synced, then renamed into
place: a crash or a full disk leaves either no object or a whole one, never a partial one
under its key. The graph keeps only keys (in node attributes).

The API is synchronous file I/O: it is called from the threads that run user code, never
from the event loop.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import shutil
import tempfile
from typing import IO, TYPE_CHECKING

from graphflow.errors import RepositoryError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["FileRepository"]

_CHUNK = 1 << 20


class FileRepository:
    """Objects under ``root/objects/ab/cdef...``, addressed by SHA-256 hex digest."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _object_path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise RepositoryError(f"{key!r} is not a repository key (a SHA-256 hex digest)")
        return self.root / "objects" / key[:2] / key[2:]

    def put_stream(self, stream: IO[bytes], *, source: str) -> str:
        """Store everything read from ``stream``; ``source`` names it in errors."""
        tmp_dir = self.root / "tmp"
        try:
            tmp_dir.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            fd, tmp_name = tempfile.mkstemp(dir=tmp_dir)
        except OSError as exc:
            raise self._error("prepare storing", source, exc) from exc
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            key = digest.hexdigest()
            target = self._object_path(key)
            if target.exists():
                return key
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, target)
            return key
        except OSError as exc:
            raise self._error("store", source, exc) from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)

    def put_file(self, path: Path) -> str:
        """Store a file's content and return its key."""
        try:
            with open(path, "rb") as handle:
                return self.put_stream(handle, source=str(path))
        except FileNotFoundError:
            raise RepositoryError(f"file {path} does not exist") from None
        except IsADirectoryError:
            raise RepositoryError(f"{path} is a directory, not a file") from None
        except OSError as exc:
            raise RepositoryError(f"cannot read {path}: {exc.strerror}") from exc

    def put_bytes(self, data: bytes, *, source: str = "bytes") -> str:
        """Store ``data`` and return its key."""
        return self.put_stream(io.BytesIO(data), source=source)

    def has(self, key: str) -> bool:
        return self._object_path(key).exists()

    def path(self, key: str) -> Path:
        """Where the object lives (read-only: never write to it)."""
        target = self._object_path(key)
        if not target.exists():
            raise RepositoryError(f"repository object {key} is missing under {self.root}")
        return target

    def read_bytes(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def copy_to(self, key: str, destination: Path) -> None:
        """Write the object's content to ``destination`` (a new file)."""
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.path(key), destination)
        except OSError as exc:
            raise self._error("copy out", str(destination), exc) from exc

    def _error(self, action: str, source: str, exc: OSError) -> RepositoryError:
        reason = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror or str(exc)
        return RepositoryError(f"cannot {action} {source} in the repository {self.root}: {reason}")
