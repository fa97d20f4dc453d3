"""The ``graphflow`` command group, run in this interpreter.

Verbs are imported only when used (:class:`LazyGroup`), so ``graphflow --version`` and
quick commands start fast.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

import click

__all__ = ["cli", "main"]

# verb -> (module, attribute, one-line help); the help shows without importing the module
VERBS: dict[str, tuple[str, str, str]] = {
    "status": ("graphflow.cli._status", "status", "Show the profile, store, broker and daemon."),
    "profile": ("graphflow.cli._profile", "profile", "Create, list and select profiles."),
    "store": ("graphflow.cli._store", "store", "Show, start and stop the graph store."),
    "node": ("graphflow.cli._node", "node", "Inspect nodes and draw their provenance."),
    "process": ("graphflow.cli._process", "process", "List, inspect and control processes."),
    "daemon": ("graphflow.cli._daemon", "daemon", "Run processes in background workers."),
    "computer": ("graphflow.cli._computer", "computer", "Set up and test computers."),
    "code": ("graphflow.cli._code", "code", "Register codes installed on computers."),
    "group": ("graphflow.cli._group", "group", "Named collections of nodes."),
    "run": ("graphflow.cli._run", "run", "Run a Python file with graphflow loaded."),
    "shell": ("graphflow.cli._shell", "shell", "Explore provenance with Cypher interactively."),
    "export": ("graphflow.cli._export", "export", "Export provenance (W3C PROV)."),
    "archive": ("graphflow.cli._archive", "archive", "Move nodes between profiles in a file."),
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(VERBS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = VERBS.get(cmd_name)
        if entry is None:
            return None
        try:
            module = importlib.import_module(entry[0])
        except ModuleNotFoundError as exc:
            if exc.name == entry[0]:
                return None  # verb not available in this build
            raise
        command: click.Command = getattr(module, entry[1])
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, VERBS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("graphflow")
    except PackageNotFoundError:
        return "unknown"


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=None, package_name="graphflow", message="graphflow %(version)s")
@click.option("-p", "--profile", "profile_name", help="Use this profile instead of the default.")
@click.option(
    "--traceback",
    "show_traceback",
    is_flag=True,
    help="On an error, show the whole traceback (or set GRAPHFLOW_TRACEBACK=1).",
)
@click.pass_context
def cli(ctx: click.Context, profile_name: str | None, show_traceback: bool) -> None:
    """graphflow: workflows with graph-native provenance."""
    ctx.obj = {"profile": profile_name}
    if show_traceback:
        os.environ["GRAPHFLOW_TRACEBACK"] = "1"


def _command_line_logging() -> None:
    """A command that starts the embedded store (seconds of waiting) says so on stderr;
    the Bolt driver's own warnings are not printed (graphflow says what failed, once)."""
    import logging

    logging.getLogger("neo4j").setLevel(logging.CRITICAL)
    logger = logging.getLogger("graphflow.store._embedded")
    if any(getattr(h, "graphflow_cli", False) for h in logger.handlers):
        return  # main() called again in this interpreter
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("graphflow: %(message)s"))
    handler.graphflow_cli = True  # type: ignore[attr-defined]
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)


def _json_error(args: list[str], exc: Exception, kind: str) -> bool:
    """With --json (or --format json), the error as JSON on stdout; whether it was."""
    from graphflow.cli._output import json_wanted

    if not json_wanted(args):
        return False
    message = exc.format_message() if isinstance(exc, click.ClickException) else _said(exc)
    click.echo(json.dumps({"error": {"type": kind, "message": message}}, indent=2))
    return True


def _said(exc: BaseException) -> str:
    """The error's message with its notes (``submit_many`` names the bad inputs in one),
    as Python's own traceback would end."""
    return "\n".join([str(exc), *getattr(exc, "__notes__", ())])


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: graphflow errors become one clear line, a user's error
    its own frames (see ``_errors``); exit status 1."""
    from graphflow.cli._errors import full_tracebacks, user_traceback
    from graphflow.errors import GraphflowError

    _command_line_logging()
    entry_point = sys.argv[0]  # `graphflow run` replaces sys.argv with the script's
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return cli.main(args=args, prog_name="graphflow", standalone_mode=False)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # click's name for Ctrl-C
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        if _json_error(args, exc, "usage" if exc.exit_code == 2 else "error"):
            sys.exit(exc.exit_code)
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except GraphflowError as exc:
        if full_tracebacks():
            click.echo(user_traceback(exc), err=True, nl=False)
        if not _json_error(args, exc, type(exc).__name__):
            click.secho(f"Error: {_said(exc)}", fg="red", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:
        click.echo(user_traceback(exc, entry_point=entry_point), err=True, nl=False)
        sys.exit(1)
