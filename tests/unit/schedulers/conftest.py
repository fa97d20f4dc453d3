"""Shared helpers for the scheduler tests: reading recorded command output."""

from __future__ import annotations

import dataclasses
import pathlib
import re

import pytest

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
_RETVAL = re.compile(r"# retval: (-?[0-9]+)\n")
_COMMAND = re.compile(r"# command: (.*)\n")


@dataclasses.dataclass(frozen=True)
class Recorded:
    """One command run: what was run, its exit status and what it printed."""

    command: str
    retval: int
    stdout: str
    stderr: str

    @property
    def output(self) -> tuple[int, str, str]:
        """``(retval, stdout, stderr)``, the arguments of every ``parse_*`` method."""
        return self.retval, self.stdout, self.stderr


def load_recorded(scheduler: str, name: str) -> Recorded:
    """The fixture ``fixtures/<scheduler>/<name>.txt`` (format: ``fixtures/README.md``)."""
    text = (FIXTURES / scheduler / f"{name}.txt").read_text()
    header, _, rest = text.partition("# --- stdout\n")
    stdout, _, stderr = rest.partition("# --- stderr\n")
    retval = _RETVAL.search(header)
    command = _COMMAND.search(header)
    assert retval is not None, f"{scheduler}/{name}: no '# retval:' line"
    assert command is not None, f"{scheduler}/{name}: no '# command:' line"
    return Recorded(command[1], int(retval[1]), stdout, stderr)


@pytest.fixture
def recorded():
    """``recorded(scheduler, name)`` loads one fixture file."""
    return load_recorded
