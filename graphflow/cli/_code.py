"""``graphflow code``: register the executables calculation jobs run."""

from __future__ import annotations

import click
from rich.table import Table

from graphflow.cli._common import ask, console, non_interactive_option, use_profile
from graphflow.cli._output import chosen, code_json, emit, format_option

__all__ = ["code"]


@click.group()
def code() -> None:
    """Register codes (executables installed on computers) and list them."""


@code.command("create")
@click.argument("label", required=False)
@click.option("--computer", "computer_label", help="The computer the code is installed on.")
@click.option("--executable", help="Absolute path of the executable on that computer.")
@click.option("--default-calcjob", help="Entry point of the CalcJob that usually runs it.")
@click.option("--description", help="A description.")
@click.option("--prepend-text", help="Shell text run before the code in job scripts.")
@click.option("--append-text", help="Shell text run after the code in job scripts.")
@non_interactive_option
@click.pass_context
def create(
    ctx: click.Context,
    label: str | None,
    computer_label: str | None,
    executable: str | None,
    default_calcjob: str | None,
    description: str | None,
    prepend_text: str | None,
    append_text: str | None,
    non_interactive: bool,
) -> None:
    """Create the code LABEL (prompts for what is not given, unless -n)."""
    from graphflow.orm import Code, load_computer

    use_profile(ctx)
    n = non_interactive
    label = ask(label, option="LABEL", prompt="Label", non_interactive=n)
    computer_label = ask(computer_label, option="--computer", prompt="Computer", non_interactive=n)
    computer = load_computer(str(computer_label))  # an unknown computer is refused here
    executable = ask(
        executable,
        option="--executable",
        prompt="Absolute path of the executable",
        non_interactive=n,
    )
    default_calcjob = ask(
        default_calcjob,
        option="--default-calcjob",
        prompt="Default CalcJob entry point (empty: none)",
        non_interactive=n,
        default="",
        required=False,
    )
    if default_calcjob:
        from graphflow.engine import CalculationFactory

        CalculationFactory(default_calcjob)  # an unknown entry point is refused here
    node = Code(
        label=str(label),
        computer=computer,
        executable=str(executable),
        default_calcjob=default_calcjob or None,
        description=description or "",
        prepend_text=prepend_text or "",
        append_text=append_text or "",
    ).store()
    console.print(f"Created code [bold]{node.full_label}[/] (pk {node.pk}).")


@code.command("list")
@click.option("--computer", "computer_label", help="Only codes on this computer.")
@format_option()
@click.pass_context
def list_(
    ctx: click.Context, computer_label: str | None, output_format: str, as_json: bool
) -> None:
    """List the codes."""
    from graphflow.orm import list_codes

    fmt = chosen(output_format, as_json)
    use_profile(ctx)
    codes = [c for c in list_codes() if computer_label in (None, c.computer_label)]

    def table() -> None:
        if not codes:
            console.print("No codes yet: create one with 'graphflow code create'.")
            return
        shown = Table("pk", "label", "computer", "executable", "default calcjob", box=None)
        for item in codes:
            shown.add_row(
                str(item.pk),
                item.label,
                item.computer_label,
                item.executable,
                item.default_calcjob or "",
            )
        console.print(shown)

    emit(fmt, [code_json(c) for c in codes], table)


@code.command("show")
@click.argument("identifier")
@format_option(csv_ok=False)
@click.pass_context
def show(ctx: click.Context, identifier: str, output_format: str, as_json: bool) -> None:
    """Show the code IDENTIFIER (pk, label or label@computer)."""
    from graphflow.orm import load_code

    fmt = chosen(output_format, as_json)
    use_profile(ctx)
    found = load_code(identifier)
    if fmt == "json":
        emit(fmt, code_json(found), lambda: None)
        return
    table = Table(show_header=False, box=None)
    for key, value in (
        ("pk", found.pk),
        ("uuid", found.uuid),
        ("label", found.full_label),
        ("description", found.description),
        ("executable", found.executable),
        ("default calcjob", found.default_calcjob),
        ("prepend text", found.attributes.get("prepend_text")),
        ("append text", found.attributes.get("append_text")),
    ):
        table.add_row(f"[bold]{key}[/]", "" if value in (None, "") else str(value))
    console.print(table)
