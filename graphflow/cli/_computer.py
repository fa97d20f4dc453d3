"""``graphflow computer``: set up, configure, test, list and show computers."""

from __future__ import annotations

import re
from typing import Any

import click
from rich.table import Table

from graphflow import _loop
from graphflow.cli._common import ask, console, non_interactive_option, use_profile
from graphflow.cli._output import chosen, computer_json, emit, format_option

__all__ = ["computer"]

_TRANSPORTS = ("local", "ssh")
_SCHEDULERS = ("direct", "slurm", "sge", "pbspro", "torque")


@click.group()
def computer() -> None:
    """Set up and test the computers calculation jobs run on."""


@computer.command("setup")
@click.argument("label", required=False)
@click.option("--hostname", help="Host name or address (localhost for the local transport).")
@click.option("--description", help="A description.")
@click.option("--transport", type=click.Choice(_TRANSPORTS), help="How to reach it.")
@click.option("--scheduler", type=click.Choice(_SCHEDULERS), help="Its batch scheduler.")
@click.option("--workdir", help="Absolute directory jobs run in (may start with ~).")
@click.option("--mpirun-command", help="MPI launcher, with {tot_num_mpiprocs} etc.")
@click.option("--mpiprocs-per-machine", type=int, help="Default MPI processes per machine.")
@click.option("--safe-interval", type=float, help="Minimum seconds between two connections.")
@click.option("--poll-interval", type=float, help="Minimum seconds between scheduler polls.")
@click.option("--prepend-text", default=None, help="Shell text run before every job.")
@click.option("--append-text", default=None, help="Shell text run after every job.")
@non_interactive_option
@click.pass_context
def setup(
    ctx: click.Context,
    label: str | None,
    hostname: str | None,
    description: str | None,
    transport: str | None,
    scheduler: str | None,
    workdir: str | None,
    mpirun_command: str | None,
    mpiprocs_per_machine: int | None,
    safe_interval: float | None,
    poll_interval: float | None,
    prepend_text: str | None,
    append_text: str | None,
    non_interactive: bool,
) -> None:
    """Create the computer LABEL (prompts for what is not given, unless -n)."""
    from graphflow.orm import Computer

    use_profile(ctx)
    n = non_interactive
    label = ask(label, option="LABEL", prompt="Label", non_interactive=n)
    hostname = ask(hostname, option="--hostname", prompt="Hostname", non_interactive=n)
    description = ask(
        description, option="--description", prompt="Description", non_interactive=n, default=""
    )
    transport = ask(
        transport,
        option="--transport",
        prompt="Transport",
        non_interactive=n,
        default="local" if hostname in ("localhost", "127.0.0.1") else "ssh",
        type=click.Choice(_TRANSPORTS),
    )
    scheduler = ask(
        scheduler,
        option="--scheduler",
        prompt="Scheduler",
        non_interactive=n,
        type=click.Choice(_SCHEDULERS),
        default="direct" if transport == "local" else None,
    )
    workdir = ask(
        workdir,
        option="--workdir",
        prompt="Work directory",
        non_interactive=n,
        default="~/graphflow-work",
    )
    defaults = Computer.DEFAULT_SAFE_INTERVAL, Computer.DEFAULT_POLL_INTERVAL
    full_transport = f"core.{transport}"
    mpirun_command = ask(
        mpirun_command,
        option="--mpirun-command",
        prompt="MPI run command",
        non_interactive=n,
        default="mpirun -np {tot_num_mpiprocs}",
    )
    if mpiprocs_per_machine is None and not n:
        answer = click.prompt(
            "Default MPI processes per machine (empty: none)", default="", show_default=False
        )
        mpiprocs_per_machine = _positive_int(answer, "--mpiprocs-per-machine")
    safe_interval = ask(
        safe_interval,
        option="--safe-interval",
        prompt="Safe interval between connections (s)",
        non_interactive=n,
        type=float,
        default=defaults[0][full_transport],
    )
    poll_interval = ask(
        poll_interval,
        option="--poll-interval",
        prompt="Minimum interval between scheduler polls (s)",
        non_interactive=n,
        type=float,
        default=defaults[1][full_transport],
    )
    created = Computer(
        label=str(label),
        hostname=str(hostname),
        description=description or "",
        transport=str(transport),
        scheduler=str(scheduler),
        workdir=str(workdir),
        mpirun_command=str(mpirun_command),
        mpiprocs_per_machine=mpiprocs_per_machine,
        safe_interval=safe_interval,
        poll_interval=poll_interval,
        prepend_text=prepend_text or "",
        append_text=append_text or "",
    ).store()
    console.print(f"Created computer [bold]{created.label}[/].")
    if not created.is_configured:
        console.print(
            f"Next: [bold]graphflow computer configure ssh {created.label}[/], then "
            f"[bold]graphflow computer test {created.label}[/]."
        )


@computer.group("configure")
def configure() -> None:
    """Configure how to connect to a computer."""


def _positive_int(text: str, option: str) -> int | None:
    if not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a whole number", param_hint=option) from None


_JUMP = re.compile(r"^(?:(?P<user>[^@]+)@)?(?P<host>[^:@]+)(?::(?P<port>\d+))?$")


def _jump_host(text: str) -> dict[str, Any]:
    """``user@host:port`` (user and port optional) as jump-host settings."""
    if "," in text:
        raise click.BadParameter(
            f"{text!r} is a chain of jump hosts; graphflow tunnels through one: give the "
            "last hop (the one that reaches the computer)",
            param_hint="--proxy-jump",
        )
    match = _JUMP.match(text.strip())
    if not match:
        raise click.BadParameter(f"{text!r} is not [user@]host[:port]", param_hint="--proxy-jump")
    jump: dict[str, Any] = {"host": match["host"]}
    if match["user"]:
        jump["username"] = match["user"]
    if match["port"]:
        jump["port"] = int(match["port"])
    return jump


@configure.command("ssh")
@click.argument("label")
@click.option("--username", help="User on the computer.")
@click.option("--port", type=int, help="SSH port.")
@click.option("--key-file", help="Private key file.")
@click.option("--known-hosts", help="known_hosts file the host key must be in.")
@click.option("--proxy-jump", help="Jump host, [user@]host[:port].")
@click.option(
    "--ssh-config/--no-ssh-config",
    default=True,
    show_default=True,
    help="Read ~/.ssh/config for what is not given here.",
)
@non_interactive_option
@click.pass_context
def configure_ssh(
    ctx: click.Context,
    label: str,
    username: str | None,
    port: int | None,
    key_file: str | None,
    known_hosts: str | None,
    proxy_jump: str | None,
    ssh_config: bool,
    non_interactive: bool,
) -> None:
    """Set the SSH user, port, key and jump host of computer LABEL."""
    from graphflow.errors import ConfigError
    from graphflow.orm import load_computer
    from graphflow.transports import ssh_config_defaults

    use_profile(ctx)
    found = load_computer(label)
    if found.transport != "core.ssh":
        raise ConfigError(f"computer {label!r} uses {found.transport}, not core.ssh")
    known = {
        **(ssh_config_defaults(found.hostname) if ssh_config else {}),
        **found.transport_settings,
    }
    n = non_interactive
    username = ask(
        username,
        option="--username",
        prompt="User",
        non_interactive=n,
        default=known.get("username"),
    )
    port = ask(
        port,
        option="--port",
        prompt="Port",
        non_interactive=n,
        type=int,
        default=known.get("port", 22),
    )
    key_file = ask(
        key_file,
        option="--key-file",
        prompt="Private key file (empty: ssh's defaults and agent)",
        non_interactive=n,
        default=known.get("key_file", ""),
        required=False,
    )
    known_hosts = ask(
        known_hosts,
        option="--known-hosts",
        prompt="known_hosts file (empty: ~/.ssh/known_hosts)",
        non_interactive=n,
        default=known.get("known_hosts", ""),
        required=False,
    )
    proxy_jump = ask(
        proxy_jump,
        option="--proxy-jump",
        prompt="Jump host [user@]host[:port] (empty: none)",
        non_interactive=n,
        default=known.get("proxy_jump") if isinstance(known.get("proxy_jump"), str) else "",
        required=False,
    )
    settings: dict[str, Any] = {"username": username, "port": port, "ssh_config": ssh_config}
    if key_file:
        settings["key_file"] = key_file
    if known_hosts:
        settings["known_hosts"] = known_hosts
    if proxy_jump:
        settings["proxy_jump"] = _jump_host(proxy_jump)
    found.configure(**settings)
    console.print(
        f"Configured [bold]{label}[/] for {username}@{found.hostname}:{port}. "
        f"Check it with [bold]graphflow computer test {label}[/]."
    )


@computer.command("test")
@click.argument("label")
@click.pass_context
def test(ctx: click.Context, label: str) -> None:
    """Connect to LABEL, use its work directory and ask its scheduler, step by step."""
    from graphflow.engine._computer_check import check_computer
    from graphflow.errors import ConfigError
    from graphflow.orm import load_computer

    use_profile(ctx)
    found = load_computer(label)
    if not found.is_configured:
        raise ConfigError(
            f"computer {label!r} is not configured: run 'graphflow computer configure ssh {label}'"
        )

    async def run() -> bool:
        passed = True
        async for check in check_computer(found):
            mark = "[green]  ok  [/]" if check.ok else "[red]FAILED[/]"
            console.print(f"{mark} {check.name:<15} {check.detail} ({check.seconds:.2f} s)")
            passed = passed and check.ok
        return passed

    if not _loop.call(run()):
        raise SystemExit(1)
    console.print(f"Computer [bold]{label}[/] works.")


@computer.command("list")
@format_option()
@click.pass_context
def list_(ctx: click.Context, output_format: str, as_json: bool) -> None:
    """List the computers."""
    from graphflow.orm import list_computers

    fmt = chosen(output_format, as_json)
    use_profile(ctx)
    computers = list_computers()

    def table() -> None:
        if not computers:
            console.print("No computers yet: create one with 'graphflow computer setup'.")
            return
        shown = Table(
            "label", "hostname", "transport", "scheduler", "workdir", "configured", box=None
        )
        for item in computers:
            shown.add_row(
                item.label,
                item.hostname,
                item.transport,
                item.scheduler,
                item.workdir,
                "yes" if item.is_configured else "no",
            )
        console.print(shown)

    emit(fmt, [computer_json(c) for c in computers], table)


@computer.command("show")
@click.argument("label")
@format_option(csv_ok=False)
@click.pass_context
def show(ctx: click.Context, label: str, output_format: str, as_json: bool) -> None:
    """Show everything about computer LABEL."""
    from graphflow.orm import load_computer

    fmt = chosen(output_format, as_json)
    use_profile(ctx)
    found = load_computer(label)
    if fmt == "json":
        emit(fmt, computer_json(found), lambda: None)
        return
    table = Table(show_header=False, box=None)
    rows: list[tuple[str, Any]] = [
        ("label", found.label),
        ("uuid", found.uuid),
        ("description", found.description),
        ("hostname", found.hostname),
        ("transport", found.transport),
        ("scheduler", found.scheduler),
        ("workdir", found.workdir),
        ("mpirun command", found.mpirun_command),
        ("mpiprocs per machine", found.mpiprocs_per_machine),
        ("safe interval (s)", found.effective_safe_interval),
        ("poll interval (s)", found.effective_poll_interval),
        ("prepend text", found.prepend_text),
        ("append text", found.append_text),
    ]
    rows += [(f"ssh {key}", value) for key, value in sorted(found.transport_settings.items())]
    for key, value in rows:
        table.add_row(f"[bold]{key}[/]", "" if value is None else str(value))
    console.print(table)
