"""Run one ShellJob in this interpreter, printing its uuid first, so a test can SIGKILL the
interpreter at any point of the job's life and resume it with ``graphflow process resume``.

    python calcjob_runner.py CODE_LABEL 'bash text'
"""

from __future__ import annotations

import sys

from support.calcjob_plugins import ShellJob

from graphflow import Str, _loop, load_code
from graphflow.engine import get_runner

code_label, script = sys.argv[1], sys.argv[2]
process = ShellJob({"code": load_code(code_label), "script": Str(script)})
print(process.node.uuid, flush=True)


async def drive() -> None:
    await (await get_runner()).run(process)


_loop.call(drive())
print(process.node.process_state.value, process.node.exit_status, flush=True)
