"""``graphflow shell``: explore provenance with Cypher, interactively or from scripts."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from graphflow.cli._common import use_profile

__all__ = ["shell"]


def _read_script(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise click.BadParameter(f"cannot read {path}: {exc.strerror or exc}") from exc


@click.command()
@click.option(
    "-c",
    "--command",
    "statements",
    metavar="TEXT",
    help='Run these statements and commands (e.g. "MATCH (n) RETURN count(n);"), then exit.',
)
@click.option(
    "-f",
    "--file",
    "script",
    metavar="FILE",
    help="Run the statements and commands of FILE ('-': standard input), then exit.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv"]),
    help="How results are printed (default: table).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    help="Rows shown per result, 0 for all (default: 1000 at the prompt, all in scripts).",
)
@click.option(
    "--write",
    is_flag=True,
    help="Allow statements that change the graph (and LOAD CSV, which reads the server's files).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=120.0,
    show_default=True,
    help="Seconds a statement may run.",
)
@click.pass_context
def shell(
    ctx: click.Context,
    statements: str | None,
    script: str | None,
    output_format: str | None,
    limit: int | None,
    write: bool,
    timeout: float,
) -> None:
    """Explore provenance with Cypher: completion, history, tables, lineage commands.

    Statements end with ';' and only read unless ':write on' (or --write). Type ':help'
    at the prompt for the commands. With -c or -f (or input that is not a terminal)
    the statements run without a prompt, and the exit status is 1 after an error, 130
    after Ctrl-C.
    """
    use_profile(ctx)
    from graphflow.shell import OutputFormat, ShellOptions, run_shell

    if statements is not None and script is not None:
        raise click.UsageError("give -c or -f, not both")
    text = statements
    if script is not None:
        text = _read_script(script)
    elif text is None and not sys.stdin.isatty():
        text = sys.stdin.read()
    options = ShellOptions(
        script=text,
        format=OutputFormat(output_format) if output_format else None,
        write=write,
        row_limit=limit,
        time_limit=timeout,
    )
    status = run_shell(options)
    if status:
        raise SystemExit(status)
