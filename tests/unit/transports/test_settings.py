"""SshSettings and transport configuration: every problem named, all at once."""

from __future__ import annotations

import pytest

from graphflow.errors import ConfigError
from graphflow.transports import LocalTransport, SshSettings, SshTransport


def test_defaults_leave_host_options_to_the_ssh_configuration():
    settings = SshSettings("cluster")
    assert settings.port is None
    assert settings.username is None
    assert settings.key_file is None
    assert settings.known_hosts is None
    assert settings.ssh_config is True
    assert settings.max_sessions < 10  # below OpenSSH's default MaxSessions
    assert settings.destination == "cluster"
    assert SshSettings("h", port=2222, username="me").destination == "me@h:2222"


def test_bad_values_are_all_named_at_once():
    with pytest.raises(ConfigError) as caught:
        SshSettings(
            "-oProxyCommand=evil",
            port=70000,
            connect_timeout=0,
            keepalive_interval=-1,
            max_sessions=0,
        )
    message = str(caught.value)
    assert "5 problems" in message
    for field in ("host", "port", "connect_timeout", "keepalive_interval", "max_sessions"):
        assert f"{field}:" in message


def test_settings_are_frozen():
    settings = SshSettings("cluster")
    with pytest.raises(AttributeError):
        settings.port = 22  # type: ignore[misc]


def test_from_config_builds_nested_jump_hosts():
    settings = SshSettings.from_config(
        {
            "host": "cluster",
            "port": 2222,
            "username": "me",
            "connect_timeout": 5,
            "proxy_jump": {"host": "gateway", "username": "me"},
        }
    )
    assert settings.connect_timeout == 5.0
    assert isinstance(settings.connect_timeout, float)
    assert settings.proxy_jump == SshSettings("gateway", username="me")


def test_from_config_names_unknown_keys_wrong_types_and_missing_host():
    with pytest.raises(ConfigError) as caught:
        SshSettings.from_config({"hostname": "x", "port": "22", "max_sessions": True})
    message = str(caught.value)
    assert "unknown setting 'hostname'" in message
    assert "known settings: bind_address," in message
    assert "port: expected int or None, got '22' (str)" in message
    assert "max_sessions: expected int, got True (bool)" in message
    with pytest.raises(ConfigError, match="'host' is required"):
        SshSettings.from_config({"port": 22})


def test_transports_are_built_from_config():
    ssh = SshTransport.from_config({"host": "cluster"})
    assert ssh.name == "core.ssh"
    assert ssh.settings == SshSettings("cluster")
    assert not ssh.is_open
    local = LocalTransport.from_config({"default_timeout": 5})
    assert local.name == "core.local"
    with pytest.raises(ConfigError, match="unknown setting 'host'"):
        LocalTransport.from_config({"host": "x"})
