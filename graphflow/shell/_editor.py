"""Open a statement in the user's editor (``$VISUAL``, ``$EDITOR``, else ``vi``)."""

from __future__ import annotations

import asyncio
import os
import shlex
import tempfile
from pathlib import Path

from graphflow.errors import ShellCommandError

__all__ = ["edit_text"]


def _write_temp(text: str) -> Path:
    handle, name = tempfile.mkstemp(prefix="graphflow-", suffix=".cypher")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text + "\n")
    return Path(name)


async def edit_text(text: str) -> str:
    """``text`` as the user left it in the editor (the editor gets the terminal)."""
    command = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
    path = await asyncio.to_thread(_write_temp, text)
    try:
        try:
            editor = await asyncio.create_subprocess_exec(*command, str(path))
        except OSError as exc:
            raise ShellCommandError(
                f"cannot start the editor {command[0]!r} ({exc.strerror or exc}); "
                "set $EDITOR to one that is installed"
            ) from exc
        status = await editor.wait()
        if status != 0:
            raise ShellCommandError(f"the editor {command[0]!r} exited with status {status}")
        edited = await asyncio.to_thread(path.read_text, encoding="utf-8")
    finally:
        await asyncio.to_thread(path.unlink, missing_ok=True)
    return edited.rstrip()
