"""How to reach a computer over SSH: one frozen value, built in code or from configuration.

``None`` for host-level options means "as OpenSSH would decide": the ``~/.ssh/config``
entry for the host (when ``ssh_config`` allows it), then OpenSSH's defaults. Host keys
are always checked; there is deliberately no setting that turns checking off.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Final

from graphflow.errors import ConfigError
from graphflow.transports._config import check_config

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["SshSettings", "ssh_config_defaults"]

_NAME: Final = "core.ssh"
_FIELDS: Final[Mapping[str, tuple[type, ...]]] = {
    "host": (str,),
    "port": (int, type(None)),
    "username": (str, type(None)),
    "key_file": (str, type(None)),
    "known_hosts": (str, type(None)),
    "proxy_jump": (dict, type(None)),
    "ssh_config": (bool, str),
    "bind_address": (str, type(None)),
    "connect_timeout": (float,),
    "keepalive_interval": (float,),
    "keepalive_count_max": (int,),
    "max_sessions": (int,),
    "default_timeout": (float,),
}


@dataclasses.dataclass(frozen=True, slots=True)
class SshSettings:
    """Everything ``SshTransport`` needs to connect, validated at construction.

    Attributes:
        host: host name, address, or a ``Host`` alias of the SSH configuration.
        port: TCP port; ``None`` takes ``Port`` from the configuration, else 22.
        username: remote user; ``None`` takes ``User`` from the configuration, else the
            local user name.
        key_file: private key for public-key authentication; ``None`` takes
            ``IdentityFile`` from the configuration, else the default keys and agent.
        known_hosts: known-hosts file the server's key must be in; ``None`` takes
            ``UserKnownHostsFile`` from the configuration, else ``~/.ssh/known_hosts``.
        proxy_jump: settings of a jump host to tunnel through (``ssh -J``); ``None``
            takes ``ProxyJump`` from the configuration, else connects directly.
        ssh_config: ``True`` reads ``~/.ssh/config`` if it exists, ``False`` reads no
            configuration, a path reads that file (which must exist).
        bind_address: local address to connect from (``ssh -b``).
        connect_timeout: seconds to connect and authenticate, jump host included.
        keepalive_interval: seconds between keep-alive requests on an idle connection;
            ``0`` sends none.
        keepalive_count_max: unanswered keep-alives after which the connection is
            declared dead (and ``is_open`` turns false).
        max_sessions: operations in flight at once on the connection, each holding one
            channel (SFTP requests share one more). Keep it well below the server's
            ``MaxSessions`` (OpenSSH's default is 10), or a burst of commands gets
            ``ChannelOpenError``.
        default_timeout: seconds any operation may take when it is given no timeout.
    """

    host: str
    port: int | None = None
    username: str | None = None
    key_file: str | None = None
    known_hosts: str | None = None
    proxy_jump: SshSettings | None = None
    ssh_config: bool | str = True
    bind_address: str | None = None
    connect_timeout: float = 15.0
    keepalive_interval: float = 30.0
    keepalive_count_max: int = 3
    max_sessions: int = 4
    default_timeout: float = 600.0

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not isinstance(self.host, str) or not self.host or self.host.startswith("-"):
            problems.append(f"host: expected a host name, got {self.host!r}")
        if self.port is not None and (
            isinstance(self.port, bool)
            or not isinstance(self.port, int)
            or not 0 < self.port < 65536
        ):
            problems.append(f"port: expected an int from 1 to 65535 or None, got {self.port!r}")
        for field in ("connect_timeout", "default_timeout"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                problems.append(f"{field}: expected a positive number of seconds, got {value!r}")
        interval = self.keepalive_interval
        if isinstance(interval, bool) or not isinstance(interval, int | float) or interval < 0:
            problems.append(f"keepalive_interval: expected seconds >= 0, got {interval!r}")
        for field in ("keepalive_count_max", "max_sessions"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                problems.append(f"{field}: expected a positive int, got {value!r}")
        if self.proxy_jump is not None and not isinstance(self.proxy_jump, SshSettings):
            problems.append(f"proxy_jump: expected SshSettings or None, got {self.proxy_jump!r}")
        if problems:
            lines = "\n".join(f"  - {problem}" for problem in problems)
            noun = "problem" if len(problems) == 1 else "problems"
            raise ConfigError(f"SshSettings for {self.host!r}: {len(problems)} {noun}:\n{lines}")

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> SshSettings:
        """Settings from a computer's JSON configuration; ``proxy_jump`` is a nested mapping.

        Raises:
            ConfigError: naming every unknown key, missing ``host`` and badly typed value.
        """
        checked = check_config(_NAME, config, _FIELDS)
        if "host" not in checked:
            raise ConfigError(f"{_NAME} settings: 'host' is required, got keys {sorted(config)}")
        jump = checked.pop("proxy_jump", None)
        if isinstance(jump, dict):
            checked["proxy_jump"] = cls.from_config(jump)
        return cls(**checked)  # type: ignore[arg-type]  # keys and types checked above

    @property
    def destination(self) -> str:
        """``user@host:port`` as given (unset parts left out), for messages."""
        user = f"{self.username}@" if self.username else ""
        port = f":{self.port}" if self.port is not None else ""
        return f"{user}{self.host}{port}"


def ssh_config_defaults(host: str, path: str = "~/.ssh/config") -> dict[str, object]:
    """What ``~/.ssh/config`` says about ``host`` (user, port, key, jump host, known hosts).

    For offering defaults when a computer is configured; connecting reads the file again
    itself. A missing or unreadable file gives no defaults, not an error.
    """
    import getpass
    import os

    from graphflow.transports._asyncssh import asyncssh

    expanded = os.path.expanduser(path)
    if not os.path.isfile(expanded):
        return {}
    try:
        # asyncssh's own parser, so Host patterns and Match blocks read as when connecting
        config = asyncssh.config.SSHClientConfig.load(
            None, [expanded], False, False, False, getpass.getuser(), (), host, ()
        )
    except Exception:  # a malformed file: no defaults; connecting will name the problem
        return {}
    found: dict[str, object] = {}
    for ours, theirs in (
        ("username", "User"),
        ("port", "Port"),
        ("proxy_jump", "ProxyJump"),
        ("known_hosts", "UserKnownHostsFile"),
    ):
        value = config.get(theirs)
        if value:
            found[ours] = value[0] if isinstance(value, (list, tuple)) else value
    identity = config.get("IdentityFile")
    if identity:
        found["key_file"] = identity[0] if isinstance(identity, (list, tuple)) else identity
    return found
