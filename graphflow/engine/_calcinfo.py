"""What ``prepare_for_submission`` hands the engine: files to upload, commands, what to fetch.

A calculation job writes its input files into a :class:`Sandbox` (a fresh local
directory) and returns a :class:`CalcInfo`. The engine uploads the sandbox into the job's
remote working directory, adds the files named in ``local_copy_list`` (from stored
nodes) and ``remote_copy_list`` (already on the computer), writes the job script that
runs every :class:`CodeInfo` in turn, and after the job retrieves ``retrieve_list``.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from graphflow.errors import ValidationError

if TYPE_CHECKING:
    from pathlib import Path

    from graphflow.orm import Code, Data

__all__ = ["CalcInfo", "CodeInfo", "Sandbox", "check_relative"]


def check_relative(path: str, what: str) -> str:
    """``path`` once it is relative and stays inside the working directory."""
    if not isinstance(path, str) or not path or "\0" in path:
        raise ValidationError(f"{what}: expected a relative file name, got {path!r}")
    normal = posixpath.normpath(path)
    if posixpath.isabs(path) or normal == ".." or normal.startswith("../"):
        raise ValidationError(
            f"{what}: {path!r} must be relative to the working directory and stay inside it"
        )
    return normal


class Sandbox:
    """The local folder ``prepare_for_submission`` writes input files into."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get_abs_path(self, relpath: str) -> Path:
        """Where ``relpath`` lives in the sandbox (parent folders are created)."""
        target = self.path / check_relative(relpath, "sandbox file")
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def open(self, relpath: str, mode: str = "w", **kwargs: Any) -> IO[Any]:
        """Open a file of the sandbox, as ``open`` would (``'w'`` by default)."""
        return self.get_abs_path(relpath).open(mode, **kwargs)

    def write_text(self, relpath: str, text: str) -> None:
        self.get_abs_path(relpath).write_text(text, encoding="utf-8")

    def write_bytes(self, relpath: str, data: bytes) -> None:
        self.get_abs_path(relpath).write_bytes(data)

    def list_names(self) -> list[str]:
        """Every file in the sandbox, as relative paths, sorted."""
        return sorted(str(p.relative_to(self.path)) for p in self.path.rglob("*") if p.is_file())


@dataclass
class CodeInfo:
    """One command of the job: a code, its arguments and where its streams go.

    ``stdin_name``, ``stdout_name`` and ``stderr_name`` are files in the working
    directory; ``join_files`` sends standard error to the standard output file.
    ``withmpi`` runs the code under the computer's MPI command (``None``: the job's
    ``withmpi`` option decides).
    """

    code: Code
    cmdline_params: list[str] = field(default_factory=list)
    stdin_name: str | None = None
    stdout_name: str | None = None
    stderr_name: str | None = None
    join_files: bool = False
    withmpi: bool | None = None


@dataclass
class CalcInfo:
    """What the engine needs to run a job, returned by ``prepare_for_submission``.

    ``local_copy_list`` holds ``(node, source, target)``: the file ``source`` of a stored
    ``SinglefileData``/``FolderData`` (``None`` for a single file's only file) copied to
    ``target``; ``remote_copy_list`` holds ``(absolute source path on the computer,
    target)``; ``retrieve_list`` holds file names or glob patterns, relative to the
    working directory, fetched into the ``retrieved`` folder after the job (a missing one
    is left for the parser to notice).
    """

    codes_info: list[CodeInfo] = field(default_factory=list)
    local_copy_list: list[tuple[Data, str | None, str]] = field(default_factory=list)
    remote_copy_list: list[tuple[str, str]] = field(default_factory=list)
    retrieve_list: list[str] = field(default_factory=list)

    def check(self, owner: str) -> None:
        """Refuse (naming every problem) what cannot be run safely."""
        problems: list[str] = []
        if not self.codes_info:
            problems.append("codes_info is empty: the job would run nothing")
        for index, info in enumerate(self.codes_info):
            for name in ("stdin_name", "stdout_name", "stderr_name"):
                value = getattr(info, name)
                if value is not None:
                    try:
                        check_relative(value, f"codes_info[{index}].{name}")
                    except ValidationError as exc:
                        problems.append(str(exc))
            if not all(isinstance(p, (str, int, float)) for p in info.cmdline_params):
                problems.append(f"codes_info[{index}].cmdline_params must hold strings")
        for index, entry in enumerate(self.local_copy_list):
            try:
                check_relative(entry[2], f"local_copy_list[{index}] target")
            except (ValidationError, IndexError, TypeError) as exc:
                problems.append(str(exc))
        for index, (source, target) in enumerate(self.remote_copy_list):
            if not source.startswith("/"):
                problems.append(f"remote_copy_list[{index}]: source {source!r} must be absolute")
            try:
                check_relative(target, f"remote_copy_list[{index}] target")
            except ValidationError as exc:
                problems.append(str(exc))
        for index, pattern in enumerate(self.retrieve_list):
            try:
                check_relative(pattern, f"retrieve_list[{index}]")
            except ValidationError as exc:
                problems.append(str(exc))
        if problems:
            raise ValidationError(
                f"{owner}.prepare_for_submission returned a CalcInfo with problems: "
                + "; ".join(problems)
            )
