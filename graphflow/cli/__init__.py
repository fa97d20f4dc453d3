"""The ``graphflow`` command.

:func:`main` first offers the command to the warm command server
(:mod:`graphflow.cli._warm_client`), which answers quick read-only commands without
paying for a new interpreter's imports; everything else, and every command when there is
no server, runs here (:mod:`graphflow.cli._root`). This module imports nothing heavy, so
that the fast path stays fast.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["main"]


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: graphflow errors become one clear line, exit status 1.

    Only a command line read from the process (``argv is None``) may go to the command
    server; callers that pass ``argv`` want the command run in their interpreter.
    """
    if argv is None:
        from graphflow.cli._warm_client import run_warm

        code = run_warm(sys.argv[1:])
        if code is not None:
            sys.exit(code)
    from graphflow.cli._root import main as run_here

    return run_here(argv)
