"""The embedded store's read-only user: what makes users' statements read-only for real.

ArcadeDB runs whatever a Bolt client sends, read transaction or not, so a statement that
only claims to read (``graphflow.cypher``, the shell without ``:write on``, ``%%cypher``)
is run as a second database user whose group may read records and nothing else. The
server refuses that user every write, however the statement is spelled: a procedure
with a back-quoted name, a nested ``CALL { }``, a ``FOREACH``. The text check in
:mod:`graphflow.store._readonly` only answers sooner.

The group is written into the server's ``config/server-groups.json`` before the server
starts (merged into what is there); the user is created through the server's HTTP API
once it answers, with a generated password kept beside the database in a 0600 file.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from graphflow.errors import StoreError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["READER_USER", "ensure_reader_user", "install_reader_group", "read_reader_password"]

READER_USER = "graphflow_reader"
READER_GROUP = "graphflow_reader"
_PASSWORD_FILE = "reader.password"

#: what ArcadeDB writes by itself on its first start; kept when graphflow writes first
_DEFAULT_GROUPS: dict[str, Any] = {
    "admin": {
        "resultSetLimit": -1,
        "readTimeout": -1,
        "access": ["updateSecurity", "updateSchema", "updateDatabaseSettings"],
        "types": {"*": {"access": ["createRecord", "readRecord", "updateRecord", "deleteRecord"]}},
    },
    "*": {"resultSetLimit": -1, "readTimeout": -1, "access": [], "types": {"*": {"access": []}}},
}
_READER: dict[str, Any] = {
    "resultSetLimit": -1,
    "readTimeout": -1,
    "access": [],
    "types": {"*": {"access": ["readRecord"]}},
}


def install_reader_group(server_root: Path) -> bool:
    """Make sure the server's group file defines the read-only group; whether it had to
    be added (a running server reads the file only when it starts)."""
    path = server_root / "config" / "server-groups.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        document = {"databases": {"*": {"groups": dict(_DEFAULT_GROUPS)}}, "version": 2}
    except ValueError as exc:
        raise StoreError(f"the embedded store's group file {path} is not JSON: {exc}") from exc
    groups = document.setdefault("databases", {}).setdefault("*", {}).setdefault("groups", {})
    if groups.get(READER_GROUP) == _READER:
        return False
    groups[READER_GROUP] = _READER
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    aside = path.with_name(path.name + ".tmp")
    aside.write_text(json.dumps(document, indent=2), encoding="utf-8")
    os.replace(aside, path)
    return True


def read_reader_password(server_root: Path) -> str | None:
    """The reader's password, or None before the user was made."""
    try:
        return (server_root / _PASSWORD_FILE).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def ensure_reader_user(server_root: Path, http_port: int, root_password: str) -> str:
    """The reader's password; the user is (re)created first if it is missing, or if its
    password file is (blocking: call in a thread, under the store's launch lock)."""
    password = read_reader_password(server_root)
    known = _user_exists(server_root, READER_USER)
    if password is not None and known:
        return password
    if known:
        _server_command(http_port, root_password, f"drop user {READER_USER}")
    password = secrets.token_urlsafe(24)
    path = server_root / _PASSWORD_FILE
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    user = {"name": READER_USER, "password": password, "databases": {"*": [READER_GROUP]}}
    _server_command(http_port, root_password, "create user " + json.dumps(user))
    return password


def _user_exists(server_root: Path, name: str) -> bool:
    try:
        lines = (server_root / "config" / "server-users.jsonl").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    for line in lines.splitlines():
        try:
            if json.loads(line).get("name") == name:
                return True
        except ValueError:
            continue
    return False


def _server_command(http_port: int, root_password: str, command: str) -> None:
    credentials = base64.b64encode(f"root:{root_password}".encode()).decode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{http_port}/api/v1/server",
        data=json.dumps({"command": command}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Basic {credentials}"},
    )
    verb = command.split(" {", 1)[0]
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        said = exc.read().decode(errors="replace")[:300]
        raise StoreError(f"the embedded store refused '{verb}': {exc.code} {said}") from exc
    except OSError as exc:
        raise StoreError(f"the embedded store's HTTP API did not answer '{verb}': {exc}") from exc
