"""Archives: a self-contained file of nodes with the provenance they need, their files
and their logs, to move between profiles and stores (issue 26, item 4).

``graphflow archive create|import|inspect`` on the command line; from Python,
:func:`create_archive`, :func:`import_archive` and :func:`inspect_archive`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphflow.archive._export import create_archive
from graphflow.archive._format import FORMAT, VERSION, ArchiveReader
from graphflow.archive._import import import_archive

if TYPE_CHECKING:
    import os

__all__ = [
    "FORMAT",
    "VERSION",
    "create_archive",
    "import_archive",
    "inspect_archive",
]


def inspect_archive(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The archive's metadata: format, version, when it was made, what it holds; every
    member is read through first, so a damaged archive is named here, not at import."""
    reader = ArchiveReader(Path(path))
    try:
        reader.check_whole()
        return dict(reader.metadata)
    finally:
        reader.close()
