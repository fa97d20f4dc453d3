"""Archives: a self-contained file of nodes with the provenance they need, their files
and their logs, to move between profiles and stores (issue 26, item 4).

``graphflow archive create|import|inspect`` on the command line; from Python,
:func:`create_archive`, :func:`import_archive` and :func:`inspect_archive`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphflow import _loop
from graphflow.archive._export import export_nodes
from graphflow.archive._format import FORMAT, VERSION, ArchiveReader, Progress
from graphflow.archive._import import import_into
from graphflow.orm import get_backend

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence

__all__ = [
    "FORMAT",
    "VERSION",
    "create_archive",
    "import_archive",
    "inspect_archive",
]


def create_archive(
    path: str | os.PathLike[str],
    *,
    nodes: Sequence[int | str] = (),
    groups: Sequence[str] = (),
    everything: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write the archive of ``nodes`` and ``groups`` (or ``everything``) of the current
    profile to ``path``."""
    backend = _loop.call(get_backend())
    return export_nodes(
        backend, path, nodes=nodes, groups=groups, everything=everything, progress=progress
    )


def import_archive(
    path: str | os.PathLike[str], *, progress: Progress | None = None
) -> dict[str, int]:
    """Import the archive at ``path`` into the current profile; what was new, by kind."""
    return import_into(_loop.call(get_backend()), path, progress=progress)


def inspect_archive(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The archive's metadata: format, version, when it was made, what it holds."""
    reader = ArchiveReader(Path(path))
    try:
        return dict(reader.metadata)
    finally:
        reader.close()
