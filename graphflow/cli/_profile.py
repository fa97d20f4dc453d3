"""``graphflow profile``: create, list, show and select profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from graphflow import config
from graphflow.cli._common import ask, console, non_interactive_option
from graphflow.cli._output import chosen, emit, format_option
from graphflow.errors import ConfigError

__all__ = ["profile"]


@click.group()
def profile() -> None:
    """Create, list and select profiles (each has its own store, broker and data)."""


@profile.command("setup")
@click.argument("name")
@click.option(
    "--store",
    "store_uri",
    help="Bolt URI of an existing Neo4j (bolt://, neo4j://, neo4j+s://); "
    "omit for the embedded store.",
)
@click.option("--user", help="User name on the Neo4j server.")
@click.option(
    "--password-file",
    type=click.Path(path_type=Path),
    help="File holding the Neo4j password (one line).",
)
@click.option("--database", help="Neo4j database name (default: the server's default).")
@click.option(
    "--broker", help="RabbitMQ URL for the daemon, e.g. amqp://guest:guest@127.0.0.1:5672/"
)
@click.option("--set-default", is_flag=True, help="Make it the default profile.")
@non_interactive_option
def setup(
    name: str,
    store_uri: str | None,
    user: str | None,
    password_file: Path | None,
    database: str | None,
    broker: str | None,
    set_default: bool,
    non_interactive: bool,
) -> None:
    """Create profile NAME on the embedded store or on an existing Neo4j."""
    store_uri = (
        ask(
            store_uri,
            option="--store",
            prompt="Store URI (empty for the embedded store)",
            non_interactive=non_interactive,
            default="",
            required=False,
        )
        or None
    )
    if store_uri:
        user = ask(user, option="--user", prompt="User", non_interactive=non_interactive)
        password_file = ask(
            password_file,
            option="--password-file",
            prompt="Password file",
            non_interactive=non_interactive,
            convert=Path,
        )
    broker = (
        ask(
            broker,
            option="--broker",
            prompt="Broker URL (empty for none)",
            non_interactive=non_interactive,
            default="",
            required=False,
        )
        or None
    )
    default_before = config.load_config().default_profile
    created = config.setup_profile(
        name,
        store_uri=store_uri,
        user=user,
        password_file=password_file,
        database=database,
        broker=broker,
        set_default=set_default,
    )
    if store_uri:
        try:
            _check_reachable(created)
        except BaseException:
            # a profile that cannot reach its store is not created (nor made the default)
            config.delete_profile(created.name, delete_data=True)
            if default_before is not None:
                config.set_default_profile(default_before)
            raise
    console.print(f"Created profile [bold]{created.name}[/] ({created.describe()['store']}).")


def _check_reachable(created: config.Profile) -> None:
    """Connect once, so a wrong URI, password or server version shows now rather than at
    first use."""
    from graphflow import _loop
    from graphflow.orm import get_backend

    _loop.call(get_backend(created))


def _profile_json(prof: config.Profile, *, default: bool) -> dict[str, Any]:
    """A profile's stable keys (never a password; the broker URL without one)."""
    from graphflow.config import redact_url

    broker = prof.broker_url()
    return {
        "name": prof.name,
        "default": default,
        "directory": str(prof.directory),
        "store": {
            "kind": prof.store.kind,
            "uri": redact_url(prof.store.uri) if prof.store.uri else None,
            "user": prof.store.user,
            "database": prof.store.database,
        },
        "broker": redact_url(broker) if broker else None,
        "trusted_code": list(prof.trusted_code),
    }


@profile.command("list")
@format_option()
def list_profiles(output_format: str, as_json: bool) -> None:
    """List the profiles."""
    fmt = chosen(output_format, as_json)
    cfg = config.load_config()
    profiles = sorted(cfg.profiles.items())

    def table() -> None:
        if not profiles:
            console.print("No profiles yet: the default one is created on first use.")
            return
        shown = Table("", "name", "store", "broker", box=None)
        for name, prof in profiles:
            info = prof.describe()
            marker = "*" if name == cfg.default_profile else ""
            shown.add_row(marker, name, info["store"], info["broker"])
        console.print(shown)

    data = [_profile_json(p, default=n == cfg.default_profile) for n, p in profiles]
    rows = [
        {**{k: v for k, v in d.items() if k != "store"}, "store": d["store"]["kind"]} for d in data
    ]
    emit(fmt, data, table, rows=lambda: rows)


@profile.command("show")
@click.argument("name", required=False)
@format_option(csv_ok=False)
def show(name: str | None, output_format: str, as_json: bool) -> None:
    """Show a profile (default: the current one). Passwords are never shown."""
    fmt = chosen(output_format, as_json)
    prof = config.resolve_profile(name)

    def table() -> None:
        shown = Table(show_header=False, box=None)
        for key, value in prof.describe().items():
            shown.add_row(f"[bold]{key}[/]", value)
        console.print(shown)

    default = config.load_config().default_profile == prof.name
    emit(fmt, _profile_json(prof, default=default), table)


@profile.command("set-default")
@click.argument("name")
def set_default(name: str) -> None:
    """Make NAME the default profile."""
    config.set_default_profile(name)
    console.print(f"Default profile is now [bold]{name}[/].")


@profile.command("delete")
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--keep-data", is_flag=True, help="Keep the profile's folder (store, repository, logs)."
)
def delete(name: str, yes: bool, keep_data: bool) -> None:
    """Delete profile NAME: its embedded store is stopped, its broker queues and its folder
    (the embedded store's data, the file repository) removed. A Neo4j server's data is
    not touched. Refused while its daemon runs, or for the default while others exist."""
    cfg = config.load_config()
    prof = cfg.get(name)
    others = sorted(set(cfg.profiles) - {name})
    if cfg.default_profile == name and others:
        raise ConfigError(
            f"profile {name!r} is the default: make another the default first "
            f"(graphflow profile set-default {others[0]}); nothing was deleted"
        )
    from graphflow.daemon import DaemonClient

    pid = DaemonClient(prof).supervisor_pid()
    if pid is not None:
        raise ConfigError(
            f"the daemon of profile {name!r} is running (supervisor pid {pid}): stop it "
            f"first with 'graphflow -p {name} daemon stop'; nothing was deleted"
        )
    what = "" if keep_data else f" and its folder {prof.directory}"
    if not yes and not click.confirm(f"Delete profile {name!r}{what}?", default=False):
        raise click.Abort
    _release_services(prof)
    config.delete_profile(name, delete_data=not keep_data)
    console.print(f"Deleted profile [bold]{name}[/]{what}.")


def _release_services(prof: config.Profile) -> None:
    """Stop the profile's embedded store and remove its broker queues: what outlives
    the configuration entry. A Neo4j profile's queues are left: a profile of the same name
    on another host may share them (see engine._messaging.queue_prefix). A broker that
    cannot be reached stops the deletion."""
    from graphflow import _loop
    from graphflow.broker import delete_topology
    from graphflow.engine._messaging import queue_prefix
    from graphflow.orm import close_backends, embedded_server, get_backend

    url = prof.broker_url()
    if prof.store.kind != "embedded":
        if url:
            console.print(
                f"Its broker queues are left: a profile {prof.name!r} on another host may "
                "use the same store and queues."
            )
        return
    prefix = queue_prefix(_loop.call(get_backend(prof))) if url else None
    _loop.call(close_backends())
    _loop.call(embedded_server(prof).stop())
    if prefix is not None and url:
        removed = _loop.call(delete_topology(url, prefix))
        console.print(
            f"Removed from the broker: {', '.join(removed)}. The hold queues of its past "
            f"workers ({prefix}.hold.*) are empty and expire within a day."
        )


def _options_help() -> str:
    lines = ["\b", "Options:"]
    lines += [
        f"  {key}: {text}"
        for key, (_kind, text) in config.OPTIONS.items()
        if not key.startswith("transport_") or "." not in key
    ]
    tasks = ", ".join(config.TRANSPORT_TASKS)
    lines.append(f"  transport_*.TASK: the transport options for one task ({tasks})")
    return "\n".join(lines)


@profile.command(
    "set",
    epilog=_options_help(),
    # a VALUE of "-1" is a value (refused by the option's own check), not an unknown flag
    context_settings={"ignore_unknown_options": True},
)
@click.argument("name")
@click.argument("key")
@click.argument("value")
def set_option(name: str, key: str, value: str) -> None:
    """Set option KEY of profile NAME to VALUE."""
    profile = config.update_profile(name, options={key: value})
    console.print(f"Profile [bold]{name}[/]: {key} = {profile.options[key]!r}.")
    console.print("Daemon workers read options when they start: `graphflow daemon restart`.")


@profile.command("trust")
@click.argument("name")
@click.argument("origin")
def trust(name: str, origin: str) -> None:
    """Let processes of profile NAME continue with code from ORIGIN: a folder (scripts
    in it, or modules imported from it) or a top-level module name.

    Launching a process trusts its origin already; this is for code launched elsewhere.
    """
    if "/" in origin or origin in (".", ".."):
        folder = Path(origin).expanduser().resolve()
        if not folder.is_dir():
            raise click.BadParameter(f"{folder} is not a folder", param_hint="ORIGIN")
        origin = str(folder)
    elif not origin.isidentifier():
        raise click.BadParameter(
            f"{origin!r} is neither a folder nor a module name", param_hint="ORIGIN"
        )
    config.trust_code(name, [origin])
    console.print(f"Profile [bold]{name}[/] trusts code from {origin}.")


@profile.command("set-broker")
@click.argument("name")
@click.argument("url", required=False)
@click.option("--remove", is_flag=True, help="Remove the profile's broker.")
def set_broker(name: str, url: str | None, remove: bool) -> None:
    """Set the RabbitMQ broker of profile NAME to URL (--remove: no broker)."""
    if "://" in name:  # `graphflow -p P profile set-broker URL`: the URL took NAME's place
        raise click.UsageError(
            f"{config.redact_url(name)} is a URL, not a profile name: "
            "graphflow profile set-broker NAME URL"
        )
    if url is None and not remove:
        raise click.UsageError("give the broker URL, or --remove to remove the broker")
    if url is not None and remove:
        raise click.UsageError("give a URL or --remove, not both")
    config.update_profile(name, broker=url)
    console.print(f"Broker of [bold]{name}[/]: {config.redact_url(url) if url else 'none'}.")
