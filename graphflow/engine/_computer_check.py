"""``graphflow computer test``: does a computer work the way calculation jobs will use it?

Each check is what a job's task does, in the same order, so a failing check names the
task that would fail: connect (every task), create the work directory and write, read
and delete a file in it (upload, retrieve), and run the scheduler's status command
(update). The checks stop at the first failure, since the later ones need the earlier.
"""

from __future__ import annotations

import posixpath
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphflow.schedulers import get_scheduler
from graphflow.transports import get_transport_class

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from graphflow.orm import Computer
    from graphflow.transports import Transport

__all__ = ["CheckResult", "check_computer"]


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    seconds: float


async def check_computer(computer: Computer) -> AsyncIterator[CheckResult]:
    """Run the checks in order, yielding each result; stop after the first failure."""
    start = time.monotonic()

    def result(name: str, ok: bool, detail: str) -> CheckResult:
        nonlocal start
        now = time.monotonic()
        done = CheckResult(name, ok, detail, now - start)
        start = now
        return done

    try:
        transport = get_transport_class(computer.transport).from_config(computer.transport_config())
        await transport.open()
    except Exception as exc:
        yield result("connect", False, f"{type(exc).__name__}: {exc}")
        return
    try:
        yield result("connect", True, f"{computer.transport} to {computer.hostname}")
        async for check in _checks_on(transport, computer):
            yield result(*check)
            if not check[1]:
                return
    finally:
        await transport.close()


async def _checks_on(
    transport: Transport, computer: Computer
) -> AsyncIterator[tuple[str, bool, str]]:
    workdir = computer.workdir
    if workdir.startswith("~"):
        workdir = await transport.home() + workdir[1:]
    probe = posixpath.join(workdir, f".graphflow-test-{uuid.uuid4().hex[:12]}")
    payload = b"graphflow computer test\n"
    try:
        await transport.makedirs(workdir)
        await transport.write_bytes(probe, payload)
        read = await transport.read_bytes(probe)
        await transport.remove(probe)
    except Exception as exc:
        yield ("work directory", False, f"{workdir}: {type(exc).__name__}: {exc}")
        return
    if read != payload:
        yield ("work directory", False, f"{probe} read back {read!r}, wrote {payload!r}")
        return
    yield ("work directory", True, f"created {workdir}, wrote, read and removed a file")
    scheduler = get_scheduler(computer.scheduler)
    command = scheduler.status_command(["1"])
    try:
        answer = await transport.exec(command, timeout=60)
        jobs = scheduler.parse_status_output(answer.retval, answer.stdout, answer.stderr)
    except Exception as exc:
        yield ("scheduler", False, f"{command}: {type(exc).__name__}: {exc}")
        return
    yield ("scheduler", True, f"{computer.scheduler} answered ({len(jobs)} job(s) listed)")
