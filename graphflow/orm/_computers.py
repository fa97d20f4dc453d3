"""Computers (where jobs run) and codes (what they run).

A computer is not provenance: it is a ``:Computer`` node without ``:Node``, holding how to
reach the machine (transport and its settings), its scheduler, the work directory and the
pace graphflow keeps with it (safe interval between connections, minimum interval between
scheduler polls). Its settings can change.

A code is provenance: a ``:Node:Data:Code`` node (an input of every calculation job that
runs it) naming an installed executable on a computer; like any data node it is immutable
once stored.
"""

from __future__ import annotations

import json
import re
import uuid as uuid_module
from dataclasses import asdict, dataclass, field, replace
from typing import Any, ClassVar

from graphflow import _loop
from graphflow.errors import (
    ConfigError,
    MultipleObjectsError,
    NotExistentError,
    NotStorableError,
)
from graphflow.orm._backend import create_unique, get_backend
from graphflow.orm._data import Data
from graphflow.orm._load import aload_node, node_from_record
from graphflow.orm._nodes import register_node_class
from graphflow.store import query

__all__ = [
    "SCHEDULERS",
    "TRANSPORTS",
    "Code",
    "Computer",
    "list_codes",
    "list_computers",
    "load_code",
    "load_computer",
]

TRANSPORTS = ("core.local", "core.ssh")
SCHEDULERS = ("core.direct", "core.slurm", "core.sge", "core.pbspro", "core.torque")
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")


def _full(name: str, known: tuple[str, ...], what: str) -> str:
    """``ssh`` or ``core.ssh`` as ``core.ssh``; unknown names listed as known ones."""
    full = name if "." in name else f"core.{name}"
    if full not in known:
        choices = ", ".join(k.removeprefix("core.") for k in known)
        raise ConfigError(f"{what} {name!r} is not one of {choices}")
    return full


@dataclass(frozen=True)
class Computer:
    """A machine jobs run on, and how graphflow talks to it."""

    label: str
    hostname: str
    transport: str = "core.local"
    scheduler: str = "core.direct"
    workdir: str = "~/graphflow-work"  # per user; never a folder every user shares
    description: str = ""
    mpirun_command: str = "mpirun -np {tot_num_mpiprocs}"
    mpiprocs_per_machine: int | None = None
    #: seconds between two connections opened to it (the transport queue keeps this)
    safe_interval: float | None = None
    #: minimum seconds between two scheduler status queries (the job manager keeps this)
    poll_interval: float | None = None
    prepend_text: str = ""
    append_text: str = ""
    transport_settings: dict[str, Any] = field(default_factory=dict)
    uuid: str = field(default_factory=lambda: str(uuid_module.uuid4()))

    DEFAULT_SAFE_INTERVAL: ClassVar[dict[str, float]] = {"core.local": 0.0, "core.ssh": 5.0}
    DEFAULT_POLL_INTERVAL: ClassVar[dict[str, float]] = {"core.local": 0.1, "core.ssh": 10.0}

    def __post_init__(self) -> None:
        problems = []
        if not _LABEL.match(self.label):
            problems.append(f"label {self.label!r}: use letters, digits, '.', '_' or '-'")
        if not self.hostname:
            problems.append("hostname is empty")
        try:
            object.__setattr__(self, "transport", _full(self.transport, TRANSPORTS, "transport"))
        except ConfigError as exc:
            problems.append(str(exc))
        try:
            object.__setattr__(self, "scheduler", _full(self.scheduler, SCHEDULERS, "scheduler"))
        except ConfigError as exc:
            problems.append(str(exc))
        if not (self.workdir.startswith("/") or self.workdir.startswith("~")):
            problems.append(f"workdir {self.workdir!r} must be absolute (or start with ~)")
        for name in ("safe_interval", "poll_interval"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, (int, float)) or value < 0):
                problems.append(f"{name} must be a non-negative number of seconds, not {value!r}")
        if self.mpiprocs_per_machine is not None and self.mpiprocs_per_machine < 1:
            problems.append("mpiprocs_per_machine must be at least 1")
        if problems:
            raise ConfigError(f"computer {self.label!r}: " + "; ".join(problems))

    @property
    def effective_safe_interval(self) -> float:
        if self.safe_interval is not None:
            return float(self.safe_interval)
        return self.DEFAULT_SAFE_INTERVAL.get(self.transport, 5.0)

    @property
    def effective_poll_interval(self) -> float:
        if self.poll_interval is not None:
            return float(self.poll_interval)
        return self.DEFAULT_POLL_INTERVAL.get(self.transport, 10.0)

    def transport_config(self) -> dict[str, Any]:
        """The settings the transport plugin takes (``host`` is the hostname for SSH)."""
        if self.transport == "core.ssh":
            return {"host": self.hostname, **self.transport_settings}
        return dict(self.transport_settings)

    @property
    def is_configured(self) -> bool:
        """SSH computers need a user (``computer configure ssh``); local ones need nothing."""
        return self.transport != "core.ssh" or "username" in self.transport_settings

    def _props(self) -> dict[str, Any]:
        data = asdict(self)
        data["transport_settings"] = json.dumps(self.transport_settings, sort_keys=True)
        return data

    @classmethod
    def _from_props(cls, props: dict[str, Any]) -> Computer:
        data = dict(props)
        data["transport_settings"] = json.loads(data.get("transport_settings") or "{}")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    def store(self) -> Computer:
        """Create it in the store; a computer with the same label is an error."""

        create_unique(
            "orm.create_computer",
            self._props(),
            "orm.get_computer",
            {"label": self.label},
            ConfigError(
                f"a computer labelled {self.label!r} already exists (see 'graphflow computer show')"
            ),
        )
        return self

    def configure(self, **settings: Any) -> Computer:
        """Store new transport settings (merged into the existing ones); returns the new value."""
        merged = {**self.transport_settings, **{k: v for k, v in settings.items() if v is not None}}
        updated = replace(self, transport_settings=merged)
        if self.transport == "core.ssh":
            from graphflow.transports import get_transport_class

            get_transport_class(self.transport).from_config(updated.transport_config())

        async def save() -> None:
            backend = await get_backend()
            props = {"transport_settings": json.dumps(merged, sort_keys=True)}
            await backend.store.write(query("orm.update_computer"), label=self.label, props=props)

        _loop.call(save())
        return updated


async def aload_computer(label: str) -> Computer:
    backend = await get_backend()
    rows = await backend.store.read(query("orm.get_computer"), label=label)
    if not rows:
        known = [
            r["computer"]["label"] for r in await backend.store.read(query("orm.list_computers"))
        ]
        raise NotExistentError(
            f"no computer labelled {label!r} (known: {', '.join(known) or 'none'}); "
            "create one with 'graphflow computer setup'"
        )
    return Computer._from_props(dict(rows[0]["computer"].items()))


def load_computer(label: str) -> Computer:
    """The computer labelled ``label``."""
    return _loop.call(aload_computer(label))


def list_computers() -> list[Computer]:
    async def load() -> list[Computer]:
        backend = await get_backend()
        rows = await backend.store.read(query("orm.list_computers"))
        return [Computer._from_props(dict(r["computer"].items())) for r in rows]

    return _loop.call(load())


@register_node_class
class Code(Data):
    """An executable installed on a computer; an input of the calculation jobs that run it."""

    node_type: ClassVar[str] = "core.code"
    create_group: ClassVar[str] = "Code"
    type_label: ClassVar[str] = "Code"

    def __init__(
        self,
        label: str = "",
        computer: str | Computer = "",
        executable: str = "",
        default_calcjob: str | None = None,
        prepend_text: str = "",
        append_text: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(label=label, **kwargs)
        computer_label = computer.label if isinstance(computer, Computer) else computer
        problems = []
        if not label or not _LABEL.match(label):
            problems.append(f"label {label!r}: use letters, digits, '.', '_' or '-'")
        if not computer_label:
            problems.append("computer is empty")
        if not executable.startswith("/"):
            problems.append(f"executable {executable!r} must be an absolute path")
        if problems:
            raise NotStorableError("code: " + "; ".join(problems))
        self._attributes.update(
            {
                "computer": computer_label,
                "executable": executable,
                "default_calcjob": default_calcjob,
                "prepend_text": prepend_text,
                "append_text": append_text,
            }
        )
        if isinstance(computer, Computer):
            self._attributes["scheduler"] = computer.scheduler

    @property
    def computer_label(self) -> str:
        return str(self._attributes["computer"])

    @property
    def scheduler(self) -> str | None:
        """The scheduler of the code's computer, recorded with the code (a computer's
        scheduler never changes), so a CalcJob checks its options without a store read;
        ``None`` for codes stored before it was recorded."""
        value = self._attributes.get("scheduler")
        return str(value) if value else None

    @property
    def executable(self) -> str:
        return str(self._attributes["executable"])

    @property
    def default_calcjob(self) -> str | None:
        value = self._attributes.get("default_calcjob")
        return str(value) if value else None

    @property
    def full_label(self) -> str:
        return f"{self.label}@{self.computer_label}"

    def computer(self) -> Computer:
        return load_computer(self.computer_label)

    def _native_properties(self) -> dict[str, Any]:
        return {"computer": self.computer_label, "executable": self.executable}

    def _validate_before_store(self) -> None:
        existing = _loop.call(_afind_codes(self.label, self.computer_label))
        if existing:
            raise NotStorableError(
                f"a code labelled {self.full_label!r} already exists (pk {existing[0].pk})"
            )
        found = load_computer(self.computer_label)  # the computer must exist
        self._attributes.setdefault("scheduler", found.scheduler)

    def _repr_extra(self) -> str:
        return f" {self.full_label} {self.executable}"


async def _afind_codes(label: str | None, computer: str | None) -> list[Code]:
    backend = await get_backend()
    rows = await backend.store.read(query("orm.find_codes"), label=label, computer=computer)
    codes = [node_from_record(r["node"]) for r in rows]
    return [c for c in codes if isinstance(c, Code)]


async def aload_code(identifier: int | str) -> Code:
    """A code by pk, uuid, ``label`` or ``label@computer``."""
    if isinstance(identifier, int) or (isinstance(identifier, str) and identifier.isdigit()):
        node = await aload_node(await get_backend(), int(identifier))
        if not isinstance(node, Code):
            raise NotExistentError(f"node {identifier} ({node.type_label}) is not a code")
        return node
    label, _, computer = identifier.partition("@")
    found = await _afind_codes(label, computer or None)
    if not found:
        raise NotExistentError(
            f"no code labelled {identifier!r}; create one with 'graphflow code create'"
        )
    if len(found) > 1:
        names = ", ".join(code.full_label for code in found)
        raise MultipleObjectsError(
            f"code {identifier!r} is ambiguous ({names}): use label@computer"
        )
    return found[0]


def load_code(identifier: int | str) -> Code:
    """A code by pk, ``label`` or ``label@computer``."""
    return _loop.call(aload_code(identifier))


def list_codes() -> list[Code]:
    return _loop.call(_afind_codes(None, None))
