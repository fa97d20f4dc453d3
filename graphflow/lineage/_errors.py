"""Errors of drawing and exporting provenance (they belong in :mod:`graphflow.errors`).

::

    GraphflowError
    ├── ValidationError
    │   └── GraphTooLargeError
    └── RenderError
        └── GraphvizNotFoundError
"""

from __future__ import annotations

from graphflow.errors import GraphflowError, ValidationError

__all__ = ["GraphTooLargeError", "GraphvizNotFoundError", "RenderError"]


class GraphTooLargeError(ValidationError):
    """A graph with more nodes than the limit given for drawing or exporting it."""

    def __init__(self, message: str, *, nodes: int, limit: int) -> None:
        super().__init__(message)
        self.nodes = nodes
        self.limit = limit


class RenderError(GraphflowError):
    """A drawing could not be made (the renderer failed or is missing)."""


class GraphvizNotFoundError(RenderError):
    """Graphviz's ``dot`` program is not installed (the Python package alone cannot draw)."""
