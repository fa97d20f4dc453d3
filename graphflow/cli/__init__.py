"""The ``graphflow`` command (:mod:`graphflow.cli._root`).

This module imports nothing heavy: each command imports what it needs when it runs, so
``graphflow --help`` and quick commands start fast.
"""

from __future__ import annotations

from typing import Any

__all__ = ["main"]


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: graphflow errors become one clear line, exit status 1."""
    from graphflow.cli._root import main as run_here

    return run_here(argv)
