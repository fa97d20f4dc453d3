"""``graphflow computer`` and ``graphflow code``: set-up (prompted and -n), SSH
configuration (with ~/.ssh/config defaults), the step-by-step test on the real sshd, and
the errors users get."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

import graphflow as gf
from graphflow.cli._root import cli

from ..transports._services import load_services

pytestmark = pytest.mark.usefixtures("backend")
GRAPHFLOW = str(Path(sys.executable).parent / "graphflow")


def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), input=input, env=env)


def label(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def test_setup_non_interactive_then_list_show_and_test(tmp_path: Path) -> None:
    name = label("here")
    result = invoke(
        "computer", "setup", name, "--hostname", "localhost", "--transport", "local",
        "--scheduler", "direct", "--workdir", str(tmp_path / "w"), "-n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"Created computer {name}." in result.output

    listed = invoke("computer", "list")
    assert name in listed.output
    assert "core.direct" in listed.output
    shown = invoke("computer", "show", name)
    assert "poll interval (s)" in shown.output
    assert "0.1" in shown.output

    tested = invoke("computer", "test", name)
    assert tested.exit_code == 0, tested.output
    for step in ("connect", "work directory", "scheduler"):
        assert step in tested.output
    assert f"Computer {name} works." in tested.output


def test_setup_prompts_for_what_is_missing(tmp_path: Path) -> None:
    name = label("asked")
    answers = "\n".join(
        ["localhost", "a test machine", "local", "direct", str(tmp_path), "", "2", "", ""]
    )
    result = invoke("computer", "setup", name, input=answers + "\n")
    assert result.exit_code == 0, result.output
    assert "Hostname:" in result.output
    made = gf.load_computer(name)
    assert (made.description, made.mpiprocs_per_machine) == ("a test machine", 2)
    assert made.effective_safe_interval == 0.0


def test_setup_errors_name_the_problem(tmp_path: Path) -> None:
    name = label("twice")
    args = ["computer", "setup", name, "--hostname", "h", "--transport", "ssh",
            "--scheduler", "slurm", "--workdir", "/scratch", "-n"]  # fmt: skip
    assert invoke(*args).exit_code == 0
    again = subprocess.run([GRAPHFLOW, *args], capture_output=True, text=True, timeout=120)
    assert again.returncode == 1
    assert f"a computer labelled '{name}' already exists" in again.stderr
    missing = invoke("computer", "setup", label("x"), "--hostname", "h", "-n")
    assert missing.exit_code == 2
    assert "--scheduler is required with --non-interactive" in missing.output
    relative = invoke(
        "computer", "setup", label("rel"), "--hostname", "h", "--transport", "ssh",
        "--scheduler", "sge", "--workdir", "scratch", "-n",
    )  # fmt: skip
    assert "workdir 'scratch' must be absolute" in str(relative.exception)
    unconfigured = invoke("computer", "test", name)
    assert "is not configured" in str(unconfigured.exception)
    chain = invoke(
        "computer", "configure", "ssh", name, "--username", "me",
        "--proxy-jump", "gw1,me@gw2:2222", "-n",
    )  # fmt: skip
    assert chain.exit_code == 2
    assert "'gw1,me@gw2:2222' is a chain of jump hosts" in chain.output
    jumped = invoke(
        "computer", "configure", "ssh", name, "--username", "me",
        "--proxy-jump", "me@gw2:2222", "-n",
    )  # fmt: skip
    assert jumped.exit_code == 0, jumped.output
    settings = gf.load_computer(name).transport_settings
    assert settings["proxy_jump"] == {"host": "gw2", "username": "me", "port": 2222}


def test_configure_ssh_reads_defaults_from_ssh_config_and_the_test_passes(tmp_path: Path) -> None:
    env = load_services("ssh")
    name = label("viassh")
    invoke(
        "computer", "setup", name, "--hostname", "gf-test-host", "--transport", "ssh",
        "--scheduler", "direct", "--workdir", "~/graphflow-tests/cli", "-n",
    )  # fmt: skip
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "config").write_text(
        f"Host gf-test-host\n  HostName {env['SSH_HOST']}\n  User {env['SSH_USER']}\n"
        f"  Port {env['SSH_PORT']}\n  IdentityFile {env['SSH_KEY_FILE']}\n"
        f"  UserKnownHostsFile {env['SSH_KNOWN_HOSTS']}\n"
    )
    configured = subprocess.run(
        [GRAPHFLOW, "computer", "configure", "ssh", name, "-n"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), "GRAPHFLOW_HOME": _home()},
    )
    assert configured.returncode == 0, configured.stderr
    settings = gf.load_computer(name).transport_settings
    assert settings["username"] == env["SSH_USER"]
    assert settings["port"] == int(env["SSH_PORT"])

    tested = subprocess.run(
        [GRAPHFLOW, "computer", "test", name],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), "GRAPHFLOW_HOME": _home()},
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "core.direct answered" in tested.stdout


def test_a_computer_test_that_cannot_connect_fails_at_that_step() -> None:
    env = load_services("ssh")
    name = label("closed")
    invoke(
        "computer", "setup", name, "--hostname", env["SSH_HOST"], "--transport", "ssh",
        "--scheduler", "slurm", "--workdir", "/tmp", "-n",
    )  # fmt: skip
    invoke("computer", "configure", "ssh", name, "--username", "u", "--port", "1",
           "--no-ssh-config", "-n")  # fmt: skip
    result = invoke("computer", "test", name)
    assert result.exit_code == 1
    assert "FAILED connect" in result.output
    assert "connection refused" in result.output
    assert "work directory" not in result.output


def test_codes_are_created_listed_and_shown(tmp_path: Path) -> None:
    machine = label("codes")
    invoke(
        "computer", "setup", machine, "--hostname", "localhost", "--transport", "local",
        "--scheduler", "direct", "--workdir", str(tmp_path), "-n",
    )  # fmt: skip
    made = invoke(
        "code", "create", "bash", "--computer", machine, "--executable", "/bin/bash",
        "--default-calcjob", "core.arithmetic.add", "-n",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert f"Created code bash@{machine}" in made.output
    assert f"bash@{machine}" in invoke("code", "show", f"bash@{machine}").output
    assert machine in invoke("code", "list", "--computer", machine).output
    code = gf.load_code(f"bash@{machine}")
    assert code.default_calcjob == "core.arithmetic.add"

    again = invoke("code", "create", "bash", "--computer", machine, "--executable", "/bin/sh", "-n")
    assert f"a code labelled 'bash@{machine}' already exists" in str(again.exception)
    nowhere = invoke("code", "create", "x", "--computer", "nowhere", "--executable", "/x", "-n")
    assert "no computer labelled 'nowhere'" in str(nowhere.exception)
    relative = invoke("code", "create", "y", "--computer", machine, "--executable", "bin/y", "-n")
    assert "must be an absolute path" in str(relative.exception)
    unknown = invoke(
        "code", "create", "z", "--computer", machine, "--executable", "/bin/z",
        "--default-calcjob", "core.nope", "-n",
    )  # fmt: skip
    assert "no entry point 'core.nope'" in str(unknown.exception)


def _home() -> str:
    import os

    return os.environ["GRAPHFLOW_HOME"]
