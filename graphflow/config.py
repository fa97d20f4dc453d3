"""Profiles: where a user's data lives and which store and broker each profile uses.

``GRAPHFLOW_HOME`` (default ``~/.graphflow``) holds ``config.json`` and one folder per
profile under ``profiles/``. A default profile on the embedded store is created the first
time any profile is asked for, so nothing needs configuring. ``GRAPHFLOW_PROFILE`` picks a
profile and ``GRAPHFLOW_BROKER`` overrides its broker for one interpreter.

Secrets are never kept in ``config.json``: a Neo4j password lives in a 0600 file in the
profile folder, and every way of showing a profile (``describe``, ``repr``, errors) goes
through :func:`redact_url`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import re
import secrets
import shutil
import stat
import tempfile
import urllib.parse
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from graphflow._home import graphflow_home
from graphflow.errors import ConfigError, ProfileNotFoundError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

__all__ = [
    "Config",
    "Profile",
    "StoreSettings",
    "config_path",
    "graphflow_home",
    "load_config",
    "redact_url",
    "resolve_profile",
]

CONFIG_FORMAT = "graphflow.config"
CONFIG_VERSION = 1
DEFAULT_PROFILE = "default"
BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

StoreKind = Literal["embedded", "bolt"]


def config_path() -> Path:
    """Where the configuration file lives."""
    return graphflow_home() / "config.json"


def redact_url(url: str) -> str:
    """Hide the password of a URL (``amqp://user:***@host/``) so it can be shown or logged."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username}:***@{host}" if parts.username else f"***@{host}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """How a profile reaches its graph store.

    ``embedded`` is the ArcadeDB server graphflow starts itself under the profile folder;
    ``bolt`` is an existing server (Neo4j, or any Bolt server) given by URI and credentials.
    """

    kind: StoreKind = "embedded"
    uri: str | None = None
    user: str | None = None
    database: str | None = None
    heap: str = "1g"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind}
        if self.kind == "bolt":
            data.update({"uri": self.uri, "user": self.user, "database": self.database})
        else:
            data["heap"] = self.heap
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, profile: str) -> StoreSettings:
        kind = data.get("kind", "embedded")
        if kind not in ("embedded", "bolt"):
            raise ConfigError(
                f"profile {profile!r}: store kind {kind!r} is not 'embedded' or 'bolt'"
            )
        if kind == "bolt":
            uri = data.get("uri")
            if not isinstance(uri, str):
                raise ConfigError(f"profile {profile!r}: a bolt store needs a 'uri' string")
            check_bolt_uri(uri)
            return cls(kind="bolt", uri=uri, user=data.get("user"), database=data.get("database"))
        heap = data.get("heap", "1g")
        if not isinstance(heap, str) or not re.fullmatch(r"\d+[kKmMgG]", heap):
            raise ConfigError(f"profile {profile!r}: heap {heap!r} is not like '1g' or '512m'")
        return cls(kind="embedded", heap=heap)


def check_bolt_uri(uri: str) -> None:
    """Refuse a store URI the neo4j driver cannot use, naming the URI and the schemes."""
    parts = urllib.parse.urlsplit(uri)
    if parts.scheme not in BOLT_SCHEMES or not parts.hostname:
        raise ConfigError(
            f"store URI {redact_url(uri)!r} is not a Bolt URI: expected one of "
            f"{', '.join(s + '://host:port' for s in BOLT_SCHEMES[:1] + BOLT_SCHEMES[3:5])}"
        )
    if parts.password is not None:
        raise ConfigError(
            f"store URI {redact_url(uri)!r} carries a password: give it with --password-file"
        )


def check_broker_url(url: str) -> None:
    """Refuse a broker URL that is not AMQP, naming the URL without its password."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("amqp", "amqps") or not parts.hostname:
        raise ConfigError(
            f"broker URL {redact_url(url)!r} is not an AMQP URL such as "
            "amqp://guest:guest@127.0.0.1:5672/"
        )


@dataclass(frozen=True, slots=True)
class Profile:
    """One profile: its folder, store and broker; a value object, saved by :class:`Config`."""

    name: str
    directory: Path
    store: StoreSettings = field(default_factory=StoreSettings)
    broker: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    #: where process classes may be imported from when a process continues: script
    #: folders and import roots (absolute paths) and top-level module names. Kept here,
    #: in the owner's 0600 file, because the store (which names the class) is not trusted
    #: to choose code to run; a launch adds its own origin (see engine._trust)
    trusted_code: tuple[str, ...] = ()

    @property
    def store_directory(self) -> Path:
        """The embedded server's files (database, password, log, server file)."""
        return self.directory / "store"

    @property
    def repository_directory(self) -> Path:
        """The content-addressed file repository of this profile: in its folder, or where
        the option ``repository`` says (a shared filesystem, for daemons on several hosts:
        content addressing lets any number of writers share it)."""
        chosen = self.options.get("repository")
        return Path(chosen) if chosen else self.directory / "repository"

    @property
    def password_file(self) -> Path:
        """Where the store password is kept (0600), for embedded and bolt stores alike."""
        return self.store_directory / "password"

    def broker_url(self) -> str | None:
        """The broker to use: ``GRAPHFLOW_BROKER`` (or the file ``GRAPHFLOW_BROKER_FILE``
        names, as a daemon gets it) if set, else the profile's, else none."""
        override = os.environ.get("GRAPHFLOW_BROKER")
        broker_file = os.environ.get("GRAPHFLOW_BROKER_FILE")
        if not override and broker_file:
            override = read_password_file(Path(broker_file), owner="GRAPHFLOW_BROKER_FILE")
        url = override if override else self.broker
        if url:
            check_broker_url(url)
        return url or None

    def option(self, key: str, default: Any) -> Any:
        """A tunable of this profile (process slots, retry counts, ...)."""
        return self.options.get(key, default)

    def read_password(self) -> str:
        """The store password from the profile's file; errors never show the content."""
        return read_password_file(self.password_file, owner=f"profile {self.name!r}")

    def describe(self) -> dict[str, str]:
        """What ``graphflow profile show`` prints: never a password."""
        store = (
            f"embedded ArcadeDB under {self.store_directory}"
            if self.store.kind == "embedded"
            else f"{redact_url(self.store.uri or '')} as {self.store.user or '(no user)'}"
        )
        broker = self.broker_url()
        return {
            "name": self.name,
            "directory": str(self.directory),
            "store": store,
            "broker": redact_url(broker) if broker else "none (processes run in-process)",
            "trusted code": ", ".join(self.trusted_code) or "none yet (launching trusts it)",
            "options": ", ".join(f"{k} = {v!r}" for k, v in sorted(self.options.items()))
            or "none (the defaults)",
        }

    def __repr__(self) -> str:
        return f"Profile(name={self.name!r}, store={self.store.kind!r})"


@dataclass(slots=True)
class Config:
    """The configuration file's content: the profiles and which is the default."""

    default_profile: str | None = None
    profiles: dict[str, Profile] = field(default_factory=dict)

    def get(self, name: str) -> Profile:
        try:
            return self.profiles[name]
        except KeyError:
            known = ", ".join(sorted(self.profiles)) or "none"
            raise ProfileNotFoundError(
                f"profile {name!r} does not exist (known profiles: {known}); "
                "create it with 'graphflow profile setup'"
            ) from None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": CONFIG_FORMAT,
            "version": CONFIG_VERSION,
            "default_profile": self.default_profile,
            "profiles": {
                name: {
                    "store": p.store.to_json(),
                    "broker": p.broker,
                    "options": dict(p.options),
                    "trusted_code": list(p.trusted_code),
                }
                for name, p in sorted(self.profiles.items())
            },
        }


def read_password_file(path: Path, *, owner: str) -> str:
    """Read a one-line password file; errors name the file and never show its content."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{owner}: the password file {path} is missing") from None
    except OSError as exc:
        raise ConfigError(f"{owner}: cannot read password file {path}: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ConfigError(f"{owner}: password file {path} is corrupted (not UTF-8 text)") from None
    if not text or "\n" in text or "\x00" in text:
        raise ConfigError(
            f"{owner}: password file {path} is corrupted (expected one non-empty line)"
        )
    return text


def _check_profile_name(name: str) -> None:
    if not _PROFILE_NAME.match(name):
        raise ConfigError(
            f"profile name {name!r} is not valid: use letters, digits, '.', '_' or '-' "
            "(at most 64, starting with a letter or digit)"
        )


def _parse_config(data: Any, path: Path) -> Config:
    if not isinstance(data, dict) or data.get("format") != CONFIG_FORMAT:
        raise ConfigError(f"{path} is not a graphflow configuration file")
    version = data.get("version")
    if version != CONFIG_VERSION:
        raise ConfigError(
            f"{path} has configuration version {version!r}; this graphflow reads "
            f"version {CONFIG_VERSION}"
        )
    home = path.parent
    profiles: dict[str, Profile] = {}
    raw_profiles = data.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise ConfigError(f"{path}: 'profiles' must be an object")
    for name, raw in raw_profiles.items():
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: profile {name!r} must be an object")
        broker = raw.get("broker")
        if broker is not None and not isinstance(broker, str):
            raise ConfigError(f"{path}: profile {name!r} broker must be a string or null")
        options = raw.get("options", {})
        if not isinstance(options, dict):
            raise ConfigError(f"{path}: profile {name!r} options must be an object")
        trusted = raw.get("trusted_code", [])
        if not (isinstance(trusted, list) and all(isinstance(t, str) for t in trusted)):
            raise ConfigError(f"{path}: profile {name!r} trusted_code must be a list of strings")
        profiles[name] = Profile(
            name=name,
            directory=home / "profiles" / name,
            store=StoreSettings.from_json(raw.get("store", {}), profile=name),
            broker=broker,
            options=options,
            trusted_code=tuple(trusted),
        )
    default = data.get("default_profile")
    if default is not None and default not in profiles:
        raise ConfigError(f"{path}: default profile {default!r} is not among the profiles")
    return Config(default_profile=default, profiles=profiles)


@contextlib.contextmanager
def _locked_config() -> Iterator[Path]:
    """Hold the configuration lock, so two processes never interleave read-modify-write."""
    home = graphflow_home()
    home.mkdir(parents=True, exist_ok=True)
    lock_path = home / ".config.lock"
    with open(lock_path, "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield config_path()
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _read(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"configuration {path} is not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from exc
    return _parse_config(data, path)


def _write(path: Path, config: Config) -> None:
    """Replace the file atomically: a crash leaves the old or the new file, never half."""
    text = json.dumps(config.to_json(), indent=2, sort_keys=True) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def load_config() -> Config:
    """Read the configuration as it is now (an empty one if no file exists yet)."""
    return _read(config_path())


def _ensure_profile_dir(profile: Profile) -> None:
    profile.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    profile.store_directory.mkdir(parents=True, exist_ok=True, mode=0o700)


def resolve_profile(name: str | None = None) -> Profile:
    """The profile to use: ``name``, else ``GRAPHFLOW_PROFILE``, else the default.

    The default profile (embedded store) is created on first use, under a lock, so two
    processes starting together agree on one configuration.
    """
    wanted = name or os.environ.get("GRAPHFLOW_PROFILE") or None
    config = load_config()
    if wanted is None:
        wanted = config.default_profile or DEFAULT_PROFILE
    if wanted in config.profiles:
        profile = config.profiles[wanted]
        _ensure_profile_dir(profile)
        return profile
    if wanted != DEFAULT_PROFILE:
        config.get(wanted)  # raises ProfileNotFoundError naming the known profiles
    with _locked_config() as path:
        config = _read(path)
        if DEFAULT_PROFILE not in config.profiles:
            config.profiles[DEFAULT_PROFILE] = Profile(
                name=DEFAULT_PROFILE, directory=path.parent / "profiles" / DEFAULT_PROFILE
            )
            if config.default_profile is None:
                config.default_profile = DEFAULT_PROFILE
            _write(path, config)
        profile = config.profiles[DEFAULT_PROFILE]
    _ensure_profile_dir(profile)
    return profile


def write_secret(path: Path, secret: str) -> None:
    """Write a secret readable by the owner only, created with that mode from the start."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def create_secret(path: Path, secret: str) -> bool:
    """Create ``path`` holding ``secret`` (0600) unless it exists; whether this call made it.

    The file appears whole or not at all (written aside, then hard-linked into place), so
    of two processes creating it at once one wins and the other reads the winner's.
    """
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    write_secret(aside, secret)
    try:
        os.link(aside, path)
        return True
    except FileExistsError:
        return False
    finally:
        aside.unlink()


def setup_profile(
    name: str,
    *,
    store_uri: str | None = None,
    user: str | None = None,
    password_file: Path | None = None,
    database: str | None = None,
    broker: str | None = None,
    set_default: bool = False,
) -> Profile:
    """Create a profile; with ``store_uri`` it uses that Bolt server, else the embedded one.

    The password is copied from ``password_file`` into the profile's own 0600 file, so the
    profile keeps working if the original file is removed.
    """
    _check_profile_name(name)
    if broker:
        check_broker_url(broker)
    if store_uri is not None:
        check_bolt_uri(store_uri)
        if not user:
            raise ConfigError(f"profile {name!r}: a Bolt store needs --user")
        if password_file is None:
            raise ConfigError(f"profile {name!r}: a Bolt store needs --password-file")
        store = StoreSettings(kind="bolt", uri=store_uri, user=user, database=database)
    else:
        store = StoreSettings()
    secret = None
    if password_file is not None:
        secret = read_password_file(password_file, owner=f"profile {name!r}")
    with _locked_config() as path:
        config = _read(path)
        if name in config.profiles:
            raise ConfigError(f"profile {name!r} already exists")
        profile = Profile(
            name=name, directory=path.parent / "profiles" / name, store=store, broker=broker
        )
        _ensure_profile_dir(profile)
        if secret is not None:
            write_secret(profile.password_file, secret)
        config.profiles[name] = profile
        if set_default or config.default_profile is None:
            config.default_profile = name
        _write(path, config)
    return profile


#: tunables a profile may set, with their types and what they mean
OPTIONS: dict[str, tuple[type, str]] = {
    "process_slots": (int, "processes a runner (a daemon worker) runs steps of at once"),
    "broker_hold_ttl": (float, "seconds after which a dead worker's processes are requeued"),
    "broker_hold_renew": (float, "seconds between hold renewals (below consumer_timeout)"),
    "transport_retry_interval": (
        float,
        "seconds before a failed transport task is retried (doubling at each retry)",
    ),
    "transport_max_attempts": (int, "attempts of a transport task before its job is paused"),
    "store_command_timeout": (
        float,
        "seconds the embedded store lets one statement run (from its next start)",
    ),
    "outbox_grace": (
        float,
        "seconds before a daemon worker queues a submitted process whose task never was",
    ),
    "lease_seconds": (
        float,
        "seconds a worker's lease runs: a dead host's processes are taken over after it",
    ),
    "lease_renew": (float, "seconds between a worker's lease renewals (below lease_seconds)"),
    "waiting_in_memory": (
        int,
        "work chains waiting for children that a daemon worker keeps in memory; it parks "
        "more in the store until their children end (0: park every one)",
    ),
    "caching.default_enabled": (bool, "serve calculations from the cache (true/false)"),
    "caching.enabled_for": (
        list,
        "process types served from the cache (comma-separated, * wildcards)",
    ),
    "caching.disabled_for": (list, "process types never served from the cache (wins)"),
    "repository": (
        Path,
        "absolute path of the profile's file repository (a shared folder for daemons on "
        "several hosts); the files already stored must be copied there first",
    ),
}
#: options for which 0 means something (the others must be above it)
_ZERO_ALLOWED = frozenset({"waiting_in_memory"})
#: the transport tasks of a calculation job; each may override the two options above
TRANSPORT_TASKS = ("upload", "submit", "update", "retrieve", "kill")
for _task in TRANSPORT_TASKS:
    OPTIONS[f"transport_retry_interval.{_task}"] = (float, f"the same, for {_task} tasks only")
    OPTIONS[f"transport_max_attempts.{_task}"] = (int, f"the same, for {_task} tasks only")


#: a daemon worker's lease (engine._lease): its length, after which a dead host's
#: processes are taken over, and the seconds between renewals (two may fail without harm)
LEASE_SECONDS = 30.0
LEASE_RENEW = 10.0


def parse_option(key: str, value: str) -> Any:
    """An option's value from text, refusing unknown keys and bad values by name."""
    if key not in OPTIONS:
        raise ConfigError(f"unknown option {key!r} (known: {', '.join(sorted(OPTIONS))})")
    kind = OPTIONS[key][0]
    if kind is Path:
        folder = Path(value).expanduser()
        if not folder.is_absolute():
            raise ConfigError(f"option {key!r} needs an absolute path, not {value!r}")
        return str(folder)
    if kind is bool:
        word = value.strip().lower()
        if word not in _BOOLEANS:
            raise ConfigError(f"option {key!r} needs true or false, not {value!r}")
        return _BOOLEANS[word]
    if kind is list:
        items = [item.strip() for item in value.split(",") if item.strip()]
        spaced = [item for item in items if any(ch.isspace() for ch in item)]
        if spaced:
            raise ConfigError(
                f"option {key!r}: {spaced[0]!r} is not a process type (separate them with commas)"
            )
        return items
    try:
        parsed = kind(value)
    except ValueError:
        wanted = {int: "a whole number", float: "a number"}.get(kind, kind.__name__)
        raise ConfigError(f"option {key!r} needs {wanted}, not {value!r}") from None
    if key in _ZERO_ALLOWED:
        if parsed < 0:
            raise ConfigError(f"option {key!r} must be 0 or more, not {value!r}")
        return parsed
    if not math.isfinite(parsed) or parsed <= 0:  # nan and inf compare as they please
        wanted = "1 or more" if kind is int else "a positive finite number"
        raise ConfigError(f"option {key!r} must be {wanted}, not {value!r}")
    return parsed


def lease_settings(name: str, options: Mapping[str, Any]) -> tuple[float, float]:
    """(lease length, renewal interval) in seconds of profile ``name`` with ``options``
    (``lease_seconds``, ``lease_renew``; else the defaults). A renewal interval that leaves
    no room for a failed renewal within the lease is refused: the lease would expire
    between two renewals, and every worker refuse to start. Checked when the options are
    set, and by each worker when it starts (a config file may be edited by hand)."""
    seconds = float(options.get("lease_seconds", LEASE_SECONDS))
    renew = float(options.get("lease_renew", LEASE_RENEW))
    if not 0 < renew < seconds:
        raise ConfigError(
            f"profile {name!r}: lease_renew ({renew:g} s) must be below lease_seconds "
            f"({seconds:g} s) and above 0, or a worker's lease expires between two renewals"
        )
    return seconds, renew


_BOOLEANS = {
    **dict.fromkeys(("true", "yes", "on", "1"), True),
    **dict.fromkeys(("false", "no", "off", "0"), False),
}


def update_profile(
    name: str,
    *,
    broker: str | Literal[False] | None = False,
    options: Mapping[str, Any] | None = None,
) -> Profile:
    """Change settings of an existing profile (``broker=None`` removes the broker).

    The default profile counts as existing from the start: configuring it (say, giving it
    a broker) before anything has used it is its first use.
    """
    if name == DEFAULT_PROFILE:
        resolve_profile(DEFAULT_PROFILE)
    with _locked_config() as path:
        config = _read(path)
        profile = config.get(name)
        if options:
            merged = {**profile.options}
            for key, value in options.items():
                merged[key] = parse_option(key, str(value))
            lease_settings(name, merged)  # the pair must agree
            moved = replace(profile, options=merged)
            _check_repository_move(profile.repository_directory, moved.repository_directory)
            profile = moved
        if broker is not False:
            if broker:
                check_broker_url(broker)
            profile = replace(profile, broker=broker)
        config.profiles[name] = profile
        _write(path, config)
    return profile


def _check_repository_move(old: Path, new: Path) -> None:
    """A profile's nodes name their files by content: a new repository folder must hold
    every file of the old one, or they would be lost to the profile. Then the folder is
    made if it does not exist (and must be writable); a refusal makes nothing."""
    if old.resolve() == new.resolve():
        return
    stored = old / "objects"
    missing = [
        path.relative_to(old)
        for path in (stored.rglob("*") if stored.is_dir() else [])
        if path.is_file() and not (new / path.relative_to(old)).is_file()
    ]
    if missing:
        files = "file of this profile is" if len(missing) == 1 else "files of this profile are"
        raise ConfigError(
            f"{len(missing)} stored {files} in {old} and not in {new} "
            f"(e.g. {missing[0]}): copy them first (cp -a {old}/. {new}/; content "
            "addressing makes merging safe), then set the option again"
        )
    try:
        new.mkdir(parents=True, exist_ok=True)
        probe = new / f".graphflow-write-check-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"the repository folder {new} cannot be written: {exc.strerror}"
        ) from None


def trust_code(name: str, origins: Iterable[str]) -> Profile:
    """Add ``origins`` (folders or top-level module names) to the code ``name`` trusts."""
    if name == DEFAULT_PROFILE:
        resolve_profile(DEFAULT_PROFILE)
    with _locked_config() as path:
        config = _read(path)
        profile = config.get(name)
        added = [origin for origin in origins if origin not in profile.trusted_code]
        if added:
            profile = replace(profile, trusted_code=(*profile.trusted_code, *added))
            config.profiles[name] = profile
            _write(path, config)
    return profile


def set_default_profile(name: str) -> Profile:
    """Make ``name`` the profile used when none is given."""
    if name == DEFAULT_PROFILE:
        resolve_profile(DEFAULT_PROFILE)
    with _locked_config() as path:
        config = _read(path)
        profile = config.get(name)
        config.default_profile = name
        _write(path, config)
    return profile


def delete_profile(name: str, *, delete_data: bool = False) -> None:
    """Remove a profile from the configuration and, if asked, its folder."""
    with _locked_config() as path:
        config = _read(path)
        profile = config.get(name)
        del config.profiles[name]
        if config.default_profile == name:
            config.default_profile = next(iter(sorted(config.profiles)), None)
        _write(path, config)
    if delete_data:
        shutil.rmtree(profile.directory, ignore_errors=True)
