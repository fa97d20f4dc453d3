"""Ctrl-C as a person at a terminal sends it, to a program started for a test."""

from __future__ import annotations

import signal
import subprocess
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["interrupt_once_started"]


def interrupt_once_started(
    command: list[str], marker: Path, *, delay: float = 0.0, signals: int = 1, timeout: float = 120
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``command`` until it creates ``marker``, wait ``delay``, send ``signals``
    SIGINTs 0.2 s apart; what it printed and returned, and the seconds from the first
    SIGINT to its exit."""
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a shell's background jobs ignore SIGINT; a terminal's foreground job does not
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{marker.name} never appeared: it never started"
        time.sleep(0.05)
    time.sleep(delay)
    sent = time.monotonic()
    for _ in range(signals):
        proc.send_signal(signal.SIGINT)
        time.sleep(0.2)
    out, err = proc.communicate(timeout=timeout)
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return done, time.monotonic() - sent
