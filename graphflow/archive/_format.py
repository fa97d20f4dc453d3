"""The archive format: one zip file, read and written a line at a time.

Members (version 1):

- ``metadata.json``: ``{"format": "graphflow-archive", "version": 1, "created": ISO time,
  "graphflow": version, "counts": {"nodes", "links", "groups", "logs", "files"}}``;
- ``nodes.jsonl``: one node per line, every stored property but ``pk`` (a profile's own);
- ``links.jsonl``: ``{"source", "target", "type", "label"}``, by node uuid;
- ``logs.jsonl``: the processes' log records;
- ``groups.jsonl``: ``{"label", "type_string", "description", "uuid", "ctime", "nodes"}``;
- ``repository/<key>``: the files of the nodes, by their content's digest.

Values JSON cannot hold keep their type: ``{"$datetime": ISO}`` and ``{"$float": "nan"}``
(also ``"inf"``, ``"-inf"``). A reader refuses another format, a newer version and a
damaged or truncated file, naming the file and what is wrong.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import zipfile
import zlib
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, TypeVar

from graphflow.errors import ArchiveError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

__all__ = [
    "FORMAT",
    "MEMBERS",
    "PAGE",
    "VERSION",
    "ArchiveReader",
    "ArchiveWriter",
    "Progress",
    "decode",
    "encode",
    "pages",
]

FORMAT = "graphflow-archive"
VERSION = 1
MEMBERS = ("nodes", "links", "logs", "groups")
REPOSITORY = "repository/"
#: nodes (links, records) a read or a write takes at once
PAGE = 500
#: bytes of JSON lines gathered before they are deflated into the archive
WRITE_BUFFER = 1 << 20

T = TypeVar("T")
#: told how far a phase has come: (phase, done, total if known)
Progress = Callable[[str, int, "int | None"], None]


def pages(items: Iterable[T], size: int = PAGE) -> Iterator[list[T]]:
    """``items`` in lists of ``size``, read as they are needed."""
    page: list[T] = []
    for item in items:
        page.append(item)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


_PLAIN = frozenset({str, int, bool})


def encode(value: Any) -> Any:
    """A property value as JSON (see the module's docstring)."""
    if value is None or type(value) in _PLAIN:  # most values: nothing to look into
        return value
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    return value


def decode(value: Any) -> Any:
    """The property value :func:`encode` wrote."""
    if isinstance(value, dict):
        if set(value) == {"$datetime"}:
            return datetime.datetime.fromisoformat(value["$datetime"])
        if set(value) == {"$float"}:
            return float(value["$float"])
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


class ArchiveWriter:
    """Writes an archive member by member; each JSON Lines member is streamed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        self._open: IO[bytes] | None = None
        #: lines not yet handed to the zip member: deflating a line at a time cost an
        #: export of 100,000 nodes a third of its time
        self._lines: list[bytes] = []
        self._buffered = 0
        self.counts = dict.fromkeys(MEMBERS, 0) | {"files": 0}

    def start(self, member: str) -> None:
        self._end_member()
        self._open = self._zip.open(f"{member}.jsonl", "w", force_zip64=True)
        self._member = member

    def line(self, record: dict[str, Any]) -> None:
        assert self._open is not None
        text = json.dumps(encode(record), allow_nan=False).encode("utf-8") + b"\n"
        self._lines.append(text)
        self._buffered += len(text)
        if self._buffered >= WRITE_BUFFER:
            self._flush()
        self.counts[self._member] += 1

    def _flush(self) -> None:
        if self._open is not None and self._lines:
            self._open.write(b"".join(self._lines))
        self._lines, self._buffered = [], 0

    def add_file(self, key: str, source: Path) -> None:
        self._end_member()
        self._zip.write(source, REPOSITORY + key)
        self.counts["files"] += 1

    def finish(self, metadata: dict[str, Any]) -> None:
        self._end_member()
        for member in MEMBERS:  # an empty member is still there: a reader needs them all
            if f"{member}.jsonl" not in self._zip.namelist():
                self._zip.writestr(f"{member}.jsonl", b"")
        body = {"format": FORMAT, "version": VERSION, **metadata, "counts": self.counts}
        self._zip.writestr("metadata.json", json.dumps(body, indent=2))
        self._zip.close()

    def abandon(self) -> None:
        """Close without finishing (the caller removes the file)."""
        self._end_member()
        self._zip.close()

    def _end_member(self) -> None:
        if self._open is not None:
            self._flush()
            self._open.close()
            self._open = None


class ArchiveReader:
    """Reads an archive; every problem is an :class:`~graphflow.errors.ArchiveError`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise ArchiveError(f"{path}: no such file") from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise ArchiveError(
                f"{path} is not a graphflow archive, or it is truncated: {exc}"
            ) from None
        try:
            self.metadata: dict[str, Any] = json.loads(self._zip.read("metadata.json"))
        except KeyError:
            raise ArchiveError(f"{path} has no metadata.json: not a graphflow archive") from None
        except (ValueError, zipfile.BadZipFile, OSError) as exc:
            raise ArchiveError(f"{path}: metadata.json is damaged ({exc})") from None
        if self.metadata.get("format") != FORMAT:
            raise ArchiveError(
                f"{path} is not a graphflow archive (format {self.metadata.get('format')!r})"
            )
        version = self.metadata.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise ArchiveError(
                f"{path} is an archive of format version {version!r}, newer than this "
                f"graphflow reads ({VERSION}): upgrade graphflow to import it"
            )
        missing = [m for m in MEMBERS if f"{m}.jsonl" not in self._zip.namelist()]
        if missing:
            raise ArchiveError(f"{path} lacks {', '.join(m + '.jsonl' for m in missing)}")

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.metadata.get("counts") or {})

    def records(self, member: str) -> Iterator[dict[str, Any]]:
        """The records of one JSON Lines member, one at a time."""
        name = f"{member}.jsonl"
        try:
            with self._zip.open(name) as handle:
                for number, raw in enumerate(handle, start=1):
                    try:
                        record = decode(json.loads(raw))
                    except ValueError as exc:
                        raise ArchiveError(
                            f"{self.path}: {name} line {number} is damaged ({exc})"
                        ) from None
                    if not isinstance(record, dict):
                        raise ArchiveError(f"{self.path}: {name} line {number} is not an object")
                    yield record
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
            raise ArchiveError(f"{self.path}: {name} is damaged or truncated ({exc})") from None

    def check_whole(self) -> None:
        """Read every member to its end: a damaged one (its CRC or its compressed data)
        is named."""
        try:
            damaged = self._zip.testzip()
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
            raise ArchiveError(f"{self.path} is damaged or truncated ({exc})") from None
        if damaged is not None:
            raise ArchiveError(f"{self.path}: {damaged} is damaged (its checksum is wrong)")

    def file_digest(self, key: str) -> str:
        """The SHA-256 of the file stored under ``key``, read through."""
        digest = hashlib.sha256()
        try:
            with self._zip.open(REPOSITORY + key) as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
            raise ArchiveError(f"{self.path}: the file {key} is damaged ({exc})") from None
        return digest.hexdigest()

    def files(self) -> list[str]:
        """The repository keys the archive holds."""
        return [n[len(REPOSITORY) :] for n in self._zip.namelist() if n.startswith(REPOSITORY)]

    def open_file(self, key: str) -> IO[bytes]:
        try:
            return self._zip.open(REPOSITORY + key)
        except KeyError:
            raise ArchiveError(f"{self.path} lacks the file {key} that a node names") from None

    def close(self) -> None:
        self._zip.close()
