"""The CLI verbs of the foundation: status, node show, store, profile."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support.stores import on_neo4j

import graphflow as gf
from graphflow import config
from graphflow.cli._root import cli

pytestmark = pytest.mark.usefixtures("backend")


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


#: how `graphflow status` names the session's store
RUNNING = "Neo4j" if on_neo4j() else "embedded ArcadeDB"


def test_status_shows_profile_store_and_node_count() -> None:
    gf.Int(1).store()
    result = invoke("status")
    assert result.exit_code == 0, result.output
    assert "default" in result.output
    assert f"running {RUNNING} at bolt://127.0.0.1:" in result.output
    assert " nodes" in result.output


def test_status_of_a_stopped_store_says_so_and_does_not_start_it(graphflow_home: Path) -> None:
    config.setup_profile("quiet")
    result = subprocess.run(
        [Path(sys.executable).parent / "graphflow", "-p", "quiet", "status"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "GRAPHFLOW_HOME": str(graphflow_home)},
    )
    assert result.returncode == 0, result.stderr
    assert "stopped: embedded ArcadeDB" in result.stdout
    assert not (graphflow_home / "profiles" / "quiet" / "store" / "server.json").exists()
    # a command that needs the store starts it, and says so on stderr (once)
    env = {**os.environ, "GRAPHFLOW_HOME": str(graphflow_home)}
    for said in (True, False):
        listed = subprocess.run(
            [Path(sys.executable).parent / "graphflow", "-p", "quiet", "process", "list"],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert listed.returncode == 0, listed.stderr
        assert ("graphflow: starting the embedded store under" in listed.stderr) is said
    subprocess.run(
        [Path(sys.executable).parent / "graphflow", "-p", "quiet", "store", "stop"],
        capture_output=True,
        timeout=120,
        env=env,
    )
    config.delete_profile("quiet", delete_data=True)


def test_console_script_is_installed_and_works(graphflow_home: Path) -> None:
    exe = Path(sys.executable).parent / "graphflow"
    assert exe.exists(), f"the graphflow console script is not installed beside {sys.executable}"
    result = subprocess.run(
        [exe, "status"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "GRAPHFLOW_HOME": str(graphflow_home)},
    )
    assert result.returncode == 0, result.stderr
    assert f"running {RUNNING}" in result.stdout


def test_node_show_prints_attributes_and_links() -> None:
    node = gf.Dict({"energy": -1.5}, label="shown").store()
    result = invoke("node", "show", str(node.pk))
    assert result.exit_code == 0, result.output
    assert f"Dict {node.pk}" in result.output
    assert node.uuid in result.output
    assert "attributes.energy" in result.output
    assert "-1.5" in result.output


def test_node_show_unknown_pk_is_a_clear_error() -> None:
    result = CliRunner().invoke(cli, ["node", "show", "99999999"])
    assert result.exit_code != 0
    assert "no node with pk 99999999" in str(result.exception)


@pytest.mark.parametrize("pk", ["99999999999999999999", "9223372036854775808"])
def test_node_show_of_a_pk_outside_64_bits_is_a_clear_error(pk: str) -> None:
    result = CliRunner().invoke(cli, ["node", "show", pk])
    assert result.exit_code != 0
    assert f"no node with pk {pk}: a pk is a 64-bit integer" in str(result.exception)


@pytest.mark.arcadedb_only  # `store` is about the embedded store
def test_store_status_reports_the_running_server() -> None:
    result = invoke("store", "status")
    assert result.exit_code == 0, result.output
    assert "running  yes" in result.output
    assert "bolt://127.0.0.1:" in result.output


def _setup(name: str, uri: str, user: str, secret: Path) -> Any:
    args = ["profile", "setup", name, "--store", uri, "--user", user]
    return CliRunner().invoke(cli, [*args, "--password-file", str(secret), "--broker", "", "-n"])


def test_profile_setup_that_cannot_connect_creates_nothing(
    tmp_path: Path, graphflow_home: Path
) -> None:
    secret = tmp_path / "pw"
    secret.write_text("do-not-print-me\n")
    default_before = config.load_config().default_profile
    result = _setup("nowhere", "bolt://127.0.0.1:1", "neo4j", secret)
    assert result.exit_code != 0
    assert "cannot reach the graph store at bolt://127.0.0.1:1: Connection refused" in str(
        result.exception
    )
    assert "nowhere" not in config.load_config().profiles
    assert not (graphflow_home / "profiles" / "nowhere").exists()
    assert config.load_config().default_profile == default_before


def test_profile_setup_list_show_set_default(tmp_path: Path, backend: Any) -> None:
    """A profile on the session's own server, by URI, as a Neo4j user sets one up."""
    if backend.server is not None:
        uri, user = backend.server.read_info().uri, "root"
    else:
        uri, user = backend.profile.store.uri, backend.profile.store.user
    secret = tmp_path / "pw"
    secret.write_text(backend.profile.read_password() + "\n")
    result = _setup("lab", uri, user, secret)
    assert result.exit_code == 0, result.output
    listing = invoke("profile", "list")
    assert "lab" in listing.output
    assert "default" in listing.output
    shown = invoke("profile", "show", "lab")
    assert uri in shown.output
    password = backend.profile.read_password()
    assert password not in shown.output + listing.output
    invoke("profile", "set-default", "lab")
    assert "*  lab" in invoke("profile", "list").output
    invoke("profile", "set-default", "default")


def test_the_default_profile_is_not_deleted_while_others_exist(graphflow_home: Path) -> None:
    config.setup_profile("spare-for-delete")
    result = CliRunner().invoke(cli, ["profile", "delete", "default", "--yes"])
    assert result.exit_code != 0
    assert "profile 'default' is the default: make another the default first" in str(
        result.exception
    )
    assert "default" in config.load_config().profiles
    assert (graphflow_home / "profiles" / "default").exists()
    deleted = CliRunner().invoke(cli, ["profile", "delete", "spare-for-delete"], input="n\n")
    assert deleted.exit_code != 0  # not confirmed: kept
    assert "spare-for-delete" in config.load_config().profiles
    deleted = CliRunner().invoke(cli, ["profile", "delete", "spare-for-delete", "--yes"])
    assert deleted.exit_code == 0, deleted.output
    assert "spare-for-delete" not in config.load_config().profiles
    assert not (graphflow_home / "profiles" / "spare-for-delete").exists()


def test_set_broker_takes_a_name_and_a_url_and_never_shows_a_password() -> None:
    config.setup_profile("brokered")
    slipped = CliRunner().invoke(cli, ["profile", "set-broker", "amqp://me:s3cret@h:5672/"])
    assert slipped.exit_code == 2
    assert "is a URL, not a profile name" in slipped.output
    assert "s3cret" not in slipped.output
    bare = CliRunner().invoke(cli, ["profile", "set-broker", "brokered"])
    assert bare.exit_code == 2
    assert "--remove" in bare.output
    assert invoke("profile", "set-broker", "brokered", "amqp://me:s3cret@h:5672/").exit_code == 0
    assert config.load_config().get("brokered").broker == "amqp://me:s3cret@h:5672/"
    assert invoke("profile", "set-broker", "brokered", "--remove").exit_code == 0
    assert config.load_config().get("brokered").broker is None
    config.delete_profile("brokered", delete_data=True)


def test_profile_setup_non_interactive_requires_options() -> None:
    result = CliRunner().invoke(
        cli, ["profile", "setup", "needs-user", "--store", "bolt://h:7687", "-n"]
    )
    assert result.exit_code != 0
    assert "--user is required with --non-interactive" in result.output


@pytest.mark.parametrize("value", ["-1", "-0.5", "nan", "inf"])
def test_profile_set_refuses_a_bad_number_by_its_option_not_as_a_flag(value: str) -> None:
    config.setup_profile("numbers")
    try:
        result = CliRunner().invoke(cli, ["profile", "set", "numbers", "lease_seconds", value])
        said = result.output + str(result.exception)  # the CLI's main prints the error
        assert result.exit_code != 0
        assert "No such option" not in said
        assert f"option 'lease_seconds' must be a positive finite number, not '{value}'" in said
        assert "lease_seconds" not in config.load_config().get("numbers").options
    finally:
        config.delete_profile("numbers", delete_data=True)
