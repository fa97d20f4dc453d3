"""``graphflow run FILE``: run a Python file as ``__main__`` with the profile loaded."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import click

from graphflow.cli._common import use_profile
from graphflow.cli._progress import live_call_tree

__all__ = ["run"]


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run(ctx: click.Context, file: Path, args: tuple[str, ...]) -> None:
    """Run FILE (with ARGS) as a script, on the selected profile. On a terminal, the
    processes it runs are drawn live as a call tree below its output."""
    use_profile(ctx)
    sys.argv = [str(file), *args]
    sys.path.insert(0, str(file.resolve().parent))
    try:
        with live_call_tree():
            runpy.run_path(str(file.resolve()), run_name="__main__")
    except KeyboardInterrupt as exc:
        # click would turn it into "Aborted." and status 1; a shell expects 130
        if not getattr(exc, "reported", False):  # run() already said what it did
            click.echo("Interrupted.", err=True)
        raise SystemExit(130) from None
