"""Profiles and configuration: defaults, Neo4j profiles, secrets, overrides, bad input."""

from __future__ import annotations

import json
import os
import re
import stat
from typing import TYPE_CHECKING

import pytest

from graphflow import config
from graphflow.errors import ConfigError, ProfileNotFoundError

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GRAPHFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GRAPHFLOW_PROFILE", raising=False)
    monkeypatch.delenv("GRAPHFLOW_BROKER", raising=False)
    return tmp_path / "home"


def test_default_profile_is_created_on_first_use(home: Path) -> None:
    profile = config.resolve_profile()
    assert profile.name == "default"
    assert profile.store.kind == "embedded"
    assert profile.directory == home / "profiles" / "default"
    assert profile.store_directory.is_dir()
    saved = json.loads((home / "config.json").read_text())
    assert saved["default_profile"] == "default"
    assert saved["format"] == "graphflow.config"


def test_neo4j_profile_keeps_password_out_of_config(home: Path, tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("s3cret-value\n")
    profile = config.setup_profile(
        "lab", store_uri="neo4j://db.example:7687", user="neo4j", password_file=secret
    )
    text = (home / "config.json").read_text()
    assert "s3cret-value" not in text
    assert profile.read_password() == "s3cret-value"
    mode = stat.S_IMODE(os.stat(profile.password_file).st_mode)
    assert mode == 0o600
    shown = " ".join(profile.describe().values())
    assert "s3cret" not in shown
    assert "neo4j://db.example:7687" in shown
    assert "s3cret" not in repr(profile)


def test_the_default_profile_can_be_configured_before_its_first_use(home: Path) -> None:
    # README: `graphflow profile set-broker default amqp://...` on a fresh install
    profile = config.update_profile("default", broker="amqp://guest:guest@127.0.0.1:5672/")
    assert profile.broker == "amqp://guest:guest@127.0.0.1:5672/"
    assert config.resolve_profile().broker == profile.broker
    with pytest.raises(ProfileNotFoundError, match="'lab' does not exist"):
        config.update_profile("lab", broker=None)  # other names still must exist


def test_unknown_profile_names_known_ones(home: Path) -> None:
    config.resolve_profile()
    with pytest.raises(ProfileNotFoundError, match=r"'nope' does not exist.*default"):
        config.resolve_profile("nope")


def test_env_selects_profile_and_broker(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config.resolve_profile()
    config.setup_profile("second")
    monkeypatch.setenv("GRAPHFLOW_PROFILE", "second")
    assert config.resolve_profile().name == "second"
    monkeypatch.setenv("GRAPHFLOW_BROKER", "amqp://guest:guest@127.0.0.1:5672/")
    profile = config.resolve_profile()
    assert profile.broker_url() == "amqp://guest:guest@127.0.0.1:5672/"
    assert "guest:guest" not in profile.describe()["broker"]
    assert "guest:***@127.0.0.1:5672" in profile.describe()["broker"]


def test_bad_broker_url_is_refused(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPHFLOW_BROKER", "http://nope")
    with pytest.raises(ConfigError, match="not an AMQP URL"):
        config.resolve_profile().broker_url()


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", "corrupted"), (b"\xff\xfe\x00bin", "not UTF-8"), (b"a\nb\n", "corrupted")],
)
def test_corrupted_password_file_names_the_file(
    home: Path, tmp_path: Path, content: bytes, expected: str
) -> None:
    bad = tmp_path / "bad-pw"
    bad.write_bytes(content)
    with pytest.raises(ConfigError, match=expected) as info:
        config.setup_profile("x", store_uri="bolt://h:7687", user="u", password_file=bad)
    assert str(bad) in str(info.value)
    assert "x" not in config.load_config().profiles


def test_missing_password_file(home: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is missing"):
        config.setup_profile(
            "x", store_uri="bolt://h:7687", user="u", password_file=tmp_path / "none"
        )


@pytest.mark.parametrize(
    "uri", ["http://h:7687", "bolt://", "localhost:7687", "bolt://user:pw@h:7687"]
)
def test_bad_store_uri(home: Path, tmp_path: Path, uri: str) -> None:
    secret = tmp_path / "pw"
    secret.write_text("pw")
    with pytest.raises(ConfigError) as info:
        config.setup_profile("x", store_uri=uri, user="u", password_file=secret)
    assert ":pw@" not in str(info.value)


def test_corrupted_config_file(home: Path) -> None:
    home.mkdir(parents=True)
    (home / "config.json").write_text("{not json")
    with pytest.raises(ConfigError, match=r"not valid JSON \(line 1"):
        config.resolve_profile()


def test_newer_config_version_is_refused(home: Path) -> None:
    home.mkdir(parents=True)
    (home / "config.json").write_text(
        json.dumps({"format": "graphflow.config", "version": 99, "profiles": {}})
    )
    with pytest.raises(ConfigError, match="version 99"):
        config.resolve_profile()


def test_set_default_and_duplicate(home: Path) -> None:
    config.resolve_profile()
    config.setup_profile("other")
    config.set_default_profile("other")
    assert config.resolve_profile().name == "other"
    with pytest.raises(ConfigError, match="already exists"):
        config.setup_profile("other")
    with pytest.raises(ConfigError, match="not valid"):
        config.setup_profile("../escape")


def test_redact_url() -> None:
    assert config.redact_url("amqp://u:p@h:5672/v") == "amqp://u:***@h:5672/v"
    assert config.redact_url("bolt://h:7687") == "bolt://h:7687"


def test_a_secret_created_by_many_at_once_is_one_whole_secret(tmp_path: Path) -> None:
    """Two processes starting the embedded store at once each made a password: the
    server took one and the other process was refused (seen in the suite)."""
    import threading

    from graphflow.config import create_secret

    path = tmp_path / "profile" / "password"
    won: list[bool] = []
    start = threading.Barrier(8)

    def create(i: int) -> None:
        start.wait()
        won.append(create_secret(path, f"secret-{i}"))

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert won.count(True) == 1
    assert path.read_text().startswith("secret-")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in path.parent.iterdir()) == ["password"]  # nothing left aside


def test_the_repository_can_live_in_a_shared_folder(home: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared" / "repository"
    profile = config.update_profile("default", options={"repository": str(shared)})
    assert profile.repository_directory == shared
    assert shared.is_dir()  # made, and found writable
    assert config.resolve_profile("default").repository_directory == shared


@pytest.mark.parametrize("value", ["relative/folder", "repository", "./x"])
def test_a_repository_folder_must_be_absolute(home: Path, value: str) -> None:
    with pytest.raises(
        ConfigError, match=re.escape(f"option 'repository' needs an absolute path, not {value!r}")
    ):
        config.update_profile("default", options={"repository": value})


def test_moving_the_repository_refuses_to_leave_stored_files_behind(
    home: Path, tmp_path: Path
) -> None:
    profile = config.resolve_profile("default")
    stored = profile.repository_directory / "objects" / "ab" / ("c" * 62)
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"a file of the profile")
    new = tmp_path / "elsewhere"
    with pytest.raises(
        ConfigError, match=r"1 stored file of this profile is in .* copy them first"
    ):
        config.update_profile("default", options={"repository": str(new)})
    assert config.resolve_profile("default").repository_directory == profile.repository_directory
    assert not new.exists()  # a refusal makes nothing
    copied = new / "objects" / "ab" / ("c" * 62)
    copied.parent.mkdir(parents=True)
    copied.write_bytes(stored.read_bytes())
    moved = config.update_profile("default", options={"repository": str(new)})
    assert moved.repository_directory == new


def test_a_repository_folder_that_cannot_be_written_is_refused(home: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match=r"the repository folder .* cannot be written"):
        config.update_profile("default", options={"repository": str(blocker / "repo")})


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-3"])
def test_a_number_option_must_be_positive_and_finite(home: Path, value: str) -> None:
    config.setup_profile("p")
    with pytest.raises(ConfigError, match="positive finite number"):
        config.update_profile("p", options={"lease_seconds": value})


@pytest.mark.parametrize(("value", "kept"), [("0", 0), ("1", 1), ("2500", 2500)])
def test_waiting_in_memory_may_be_zero(home: Path, value: str, kept: int) -> None:
    """0 parks every waiting work chain (engine._parking): the one option where 0 means
    something."""
    config.setup_profile("p")
    profile = config.update_profile("p", options={"waiting_in_memory": value})
    assert profile.option("waiting_in_memory", None) == kept


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("-1", "must be 0 or more"),
        ("1.5", "needs a whole number, not '1.5'"),
        ("nan", "needs a whole number"),
        ("x", "needs a whole number"),
    ],
)
def test_waiting_in_memory_must_be_a_count(home: Path, value: str, said: str) -> None:
    config.setup_profile("p")
    with pytest.raises(ConfigError, match=f"waiting_in_memory.*{said}"):
        config.update_profile("p", options={"waiting_in_memory": value})


@pytest.mark.parametrize(
    ("options", "refused"),
    [
        ({"lease_renew": "10"}, False),  # the default lease runs 30 s: 10 s is fine
        ({"lease_renew": "30"}, True),  # as long as the lease: it would lapse
        ({"lease_seconds": "5"}, True),  # shorter than the default renewal
        ({"lease_seconds": "5", "lease_renew": "1"}, False),
    ],
)
def test_a_lease_must_be_renewed_before_it_runs_out(
    home: Path, options: dict[str, str], refused: bool
) -> None:
    config.setup_profile("p")
    if not refused:
        config.update_profile("p", options=options)
        assert config.load_config().get("p").options.keys() >= options.keys()
        return
    with pytest.raises(ConfigError, match=r"lease_renew .* must be below lease_seconds"):
        config.update_profile("p", options=options)
    assert "lease_seconds" not in config.load_config().get("p").options  # nothing was written


@pytest.mark.parametrize("value", ["0", "-2"])
def test_a_count_option_must_be_1_or_more(home: Path, value: str) -> None:
    config.setup_profile("p")
    with pytest.raises(
        ConfigError, match=f"option 'process_slots' must be 1 or more, not '{value}'"
    ):
        config.update_profile("p", options={"process_slots": value})
