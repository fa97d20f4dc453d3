"""A worker's SIGUSR1 listing: every asyncio task, with the chain of awaits it waits in."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from graphflow.daemon._worker import log_tasks

if TYPE_CHECKING:
    import pytest


def test_each_task_is_listed_with_where_it_waits(caplog: pytest.LogCaptureFixture) -> None:
    async def inner() -> None:
        await asyncio.Event().wait()

    async def outer() -> None:
        await inner()

    async def scenario() -> None:
        stuck = asyncio.create_task(outer(), name="process Child pk 7")
        await asyncio.sleep(0)
        log_tasks()
        stuck.cancel()

    with caplog.at_level(logging.WARNING, logger="graphflow.daemon.worker"):
        asyncio.run(scenario())
    line = next(line for line in caplog.text.splitlines() if "process Child pk 7" in line)
    assert "outer:" in line
    assert line.index("outer:") < line.index("inner:")  # outermost first
    assert "waits in 2 tasks" in caplog.text  # the stuck one and the scenario itself
