"""The one tree of errors graphflow raises, so users can catch by layer.

Every message names the offending thing (port, node, file, URI, entry point), what was
given and what was expected. Errors raised by the libraries we call (neo4j, aio-pika,
asyncssh, the OS) are translated where we call them and chained with ``from``.

``retryable`` says whether repeating the same operation later may succeed; the retry
helpers decide by it, never by message text.

::

    GraphflowError
    ├── ConfigError
    │   └── ProfileNotFoundError
    ├── StoreError
    │   ├── StoreUnavailableError      (retryable)
    │   │   ├── StoreBusyError         (retryable)
    │   │   └── CommitUnknownError
    │   ├── WriteConflictError         (retryable)
    │   ├── NotWrittenError
    │   ├── OwnershipLostError
    │   ├── StoreAuthError
    │   ├── QueryError
    │   │   ├── QueryTimeoutError
    │   │   └── ReadOnlyQueryError
    │   ├── SchemaError
    │   └── RepositoryError
    ├── NotExistentError
    │   ├── NotExistentAttributeError  (also an AttributeError)
    │   └── NotExistentKeyError        (also a KeyError)
    ├── MultipleObjectsError
    ├── ValidationError
    │   ├── NotStorableError
    │   ├── ModificationNotAllowedError
    │   ├── LinkRuleError
    │   ├── PortValidationError
    │   ├── UnsupportedOptionError
    │   └── GraphTooLargeError
    ├── RenderError
    │   └── GraphvizNotFoundError
    ├── ProcessError
    │   ├── ProcessLaunchError
    │   ├── ExposeError                (also an AttributeError)
    │   ├── IllegalTransitionError
    │   ├── OutlineError               (also a TypeError)
    │   │   └── OutlineReferenceError  (also an AttributeError)
    │   ├── ProcessStateError
    │   └── ProcessFailedError
    ├── ShellCommandError
    │   └── ShellUsageError
    ├── CheckpointError
    ├── ArchiveError
    ├── PluginError
    ├── MissingExtraError
    ├── TransportError                 (retryable)
    │   └── RemoteFileNotFoundError
    ├── SchedulerError
    │   └── SchedulerSubmitError
    └── BrokerError
        └── BrokerUnavailableError     (retryable)

Ctrl-C during ``run()`` stays a plain KeyboardInterrupt (so Python exits with status 130);
its ``reported`` attribute says graphflow already told the user what it did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "ArchiveError",
    "BrokerError",
    "BrokerUnavailableError",
    "CheckpointError",
    "CommitUnknownError",
    "ConfigError",
    "ExposeError",
    "GraphTooLargeError",
    "GraphflowError",
    "GraphvizNotFoundError",
    "IllegalTransitionError",
    "LinkRuleError",
    "MissingExtraError",
    "ModificationNotAllowedError",
    "MultipleObjectsError",
    "NotExistentAttributeError",
    "NotExistentError",
    "NotExistentKeyError",
    "NotStorableError",
    "NotWrittenError",
    "OutlineError",
    "OutlineReferenceError",
    "OwnershipLostError",
    "PluginError",
    "PortProblem",
    "PortValidationError",
    "ProcessError",
    "ProcessFailedError",
    "ProcessLaunchError",
    "ProcessStateError",
    "ProfileNotFoundError",
    "QueryError",
    "QueryTimeoutError",
    "ReadOnlyQueryError",
    "RemoteFileNotFoundError",
    "RenderError",
    "RepositoryError",
    "SchedulerError",
    "SchedulerSubmitError",
    "SchemaError",
    "ShellCommandError",
    "ShellUsageError",
    "StoreAuthError",
    "StoreBusyError",
    "StoreError",
    "StoreUnavailableError",
    "TransportError",
    "UnsupportedOptionError",
    "ValidationError",
    "WriteConflictError",
]


class GraphflowError(Exception):
    """Base of every error graphflow raises on purpose."""

    retryable: bool = False


# --- configuration -------------------------------------------------------------------


class ConfigError(GraphflowError):
    """The configuration file, a profile or an environment override is unusable."""


class ProfileNotFoundError(ConfigError):
    """A profile name that is not in the configuration."""


# --- store ---------------------------------------------------------------------------


class StoreError(GraphflowError):
    """The graph store refused or failed an operation."""


class StoreUnavailableError(StoreError):
    """The store cannot be reached now; the same call may succeed later."""

    retryable = True


class StoreBusyError(StoreUnavailableError):
    """Every connection to the store is in use: the call waits its turn and tries again."""


class CommitUnknownError(StoreUnavailableError):
    """The connection was lost while a commit was under way: it may or may not have
    happened, so only the caller, who can check, may run it again."""

    retryable = False


class WriteConflictError(StoreError):
    """Another transaction got in the way (a concurrent write to the same data, a
    deadlock): the transaction was rolled back and may run again."""

    retryable = True


class OwnershipLostError(StoreError):
    """A write of a process that another runner owns now (it took the process over, or a
    user's kill did): refused, with nothing of it written, so that a runner that was
    cut off cannot overwrite the new owner's work. Not retryable: the runner lets the
    process go."""

    def __init__(self, uuid: str, expected: str, owner: str | None) -> None:
        self.uuid = uuid
        self.owner = owner
        super().__init__(
            f"process {uuid} is owned by {owner or 'nobody'} now, not by {expected}: its "
            "write was refused and nothing of it was written"
        )


class NotWrittenError(StoreError):
    """A write that was not attempted because an earlier write of the same history (a
    process's previous step) failed: landing it would leave a later step without an
    earlier one."""


class StoreAuthError(StoreError):
    """The store rejected our credentials."""


class QueryError(StoreError):
    """The server rejected a Cypher statement (syntax, semantics or a constraint)."""


class QueryTimeoutError(QueryError):
    """A user's statement ran past its time limit and was stopped (it is never re-run)."""


class ReadOnlyQueryError(QueryError):
    """A write clause was found in a statement that may only read."""


class SchemaError(StoreError):
    """Schema set-up (constraints, indexes, label combinations) failed."""


class RepositoryError(StoreError):
    """The content-addressed file repository could not store or read an object."""


# --- lookups -------------------------------------------------------------------------


class NotExistentError(GraphflowError):
    """Nothing matches the identifier that was given.

    Not a built-in error, as AiiDA's ``NotExistent`` is not: a ported ``except
    NotExistent`` catches it, an ``except KeyError`` does not (see the two below)."""


class NotExistentAttributeError(NotExistentError, AttributeError):
    """A link label or key that is not there, asked for as an attribute
    (``node.outputs.missing``). An ``AttributeError`` too, as AiiDA's
    ``NotExistentAttributeError``, so ``getattr(obj, name, default)`` and ``hasattr``
    work."""


class NotExistentKeyError(NotExistentError, KeyError):
    """A link label or key that is not there, asked for as an item
    (``node.outputs['missing']``). A ``KeyError`` too, as AiiDA's ``NotExistentKeyError``,
    so a ported ``except KeyError`` and ``in`` work."""

    def __str__(self) -> str:
        # KeyError shows its argument's repr; the message reads better as it was written
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()


class MultipleObjectsError(GraphflowError):
    """More than one thing matches an identifier that must be unique."""


# --- validation ----------------------------------------------------------------------


class ValidationError(GraphflowError):
    """A value, node or link does not satisfy a rule."""


class NotStorableError(ValidationError, ValueError):
    """A value cannot be represented in the store (not JSON, NaN, non-string key, ...).

    A ``ValueError`` too, as AiiDA raises for ``Int('a')``: ported ``except ValueError``
    clauses keep working."""


class ModificationNotAllowedError(ValidationError):
    """An attempt to change something that is immutable once stored."""


class LinkRuleError(ValidationError, ValueError):
    """A link that would break a provenance rule; the message names the rule and nodes.
    A ``ValueError`` too, as AiiDA's link validation raises."""


class PortProblem:
    """One problem found while validating a port namespace.

    Attributes:
        path: the dotted path of the port (``nested.input.a``).
        message: what is wrong, including what was given and what was expected.
    """

    __slots__ = ("message", "path")

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message

    def __repr__(self) -> str:
        return f"PortProblem({self.path!r}, {self.message!r})"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class PortValidationError(ValidationError, ValueError):
    """Inputs or outputs that do not match a spec; lists every problem at once. A
    ``ValueError`` too, as plumpy raises for a port that fails validation."""

    def __init__(self, owner: str, problems: Sequence[PortProblem]) -> None:
        self.owner = owner
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{owner}: {count} {noun} with the given values:\n{lines}")

    @property
    def paths(self) -> list[str]:
        """The dotted paths of every offending port, in the order found."""
        return [problem.path for problem in self.problems]


class UnsupportedOptionError(ValidationError, ValueError):
    """Job options a scheduler has no way to express (a ``qos`` on Grid Engine).

    A ``ValueError`` too, as AiiDA's schedulers raise for options and resources they
    refuse. ``options`` maps each refused option's name to the value given, so that the
    engine can name the port of each one (``metadata.options.qos``).
    """

    def __init__(self, scheduler: str, options: dict[str, object]) -> None:
        self.scheduler = scheduler
        self.options = dict(options)
        given = ", ".join(f"{name}={value!r}" for name, value in self.options.items())
        pronoun = "it" if len(self.options) == 1 else "them"
        super().__init__(f"{scheduler}: cannot express {given}; leave {pronoun} unset")


# --- processes -----------------------------------------------------------------------


class GraphTooLargeError(ValidationError):
    """A graph with more nodes than the limit given for drawing or exporting it."""

    def __init__(self, message: str, *, nodes: int, limit: int) -> None:
        super().__init__(message)
        self.nodes = nodes
        self.limit = limit


class RenderError(GraphflowError):
    """A drawing or export could not be made (the renderer failed or is missing)."""


class GraphvizNotFoundError(RenderError):
    """Graphviz's ``dot`` program is not installed (the Python package alone cannot draw)."""


class MissingExtraError(GraphflowError):
    """An optional feature's packages are not installed (the message names the extra)."""


class ProcessError(GraphflowError):
    """A process could not be created, run or controlled."""


class ProcessArgumentError(ProcessError, TypeError):
    """Arguments that do not fit how a process is called (too many, an unknown keyword, a
    positional where a mapping goes): a ``TypeError`` too, as Python's and AiiDA's are."""


class ProcessLaunchError(ProcessError, ValueError):
    """A launch that cannot happen as asked: something that is not a process, or inputs
    given both as a dict and as keywords. A ``ValueError`` too, as AiiDA's ``run`` and
    ``submit`` raise."""


class ExposeError(ProcessError, AttributeError):
    """``expose_inputs``/``expose_outputs`` given something that is not a process (a
    class that is not one, a plain function, a name). An ``AttributeError`` too, as
    plumpy's ``process_class.spec()`` raises for it."""


class IllegalTransitionError(ProcessError):
    """A state-machine event that is not legal in the current state."""

    def __init__(self, current: object, target: object, detail: str = "") -> None:
        self.current = current
        self.target = target
        suffix = f": {detail}" if detail else ""
        super().__init__(f"illegal transition from {current} to {target}{suffix}")


class OutlineError(ProcessError, TypeError):
    """A WorkChain outline that is not made of the class's methods, or is malformed (an
    ``if_`` without a body, an ``else_`` twice). A ``TypeError`` too, as plumpy raises for
    an outline item that is not a function."""


class OutlineReferenceError(OutlineError, AttributeError):
    """``define()`` names a method the class does not have (``cls.missing``): an
    ``AttributeError`` too, as Python raises it when AiiDA builds the spec."""


class ProcessStateError(ProcessError):
    """An operation that the process's current state does not allow (resume a finished one)."""


class ProcessFailedError(ProcessError):
    """A process launched with ``run`` ended excepted or killed."""


# --- the shell -----------------------------------------------------------------------


class ShellCommandError(GraphflowError):
    """A shell command that cannot do what was asked (unknown name, nothing to export)."""


class ShellUsageError(ShellCommandError):
    """A shell command's arguments do not fit its syntax."""


# --- persistence and plugins ---------------------------------------------------------


class CheckpointError(GraphflowError):
    """A checkpoint that cannot be written or read; names the field and format version."""


class ArchiveError(GraphflowError):
    """An archive that cannot be written or read, or whose content clashes with the
    profile it is imported into; names the file, the node or the link."""


class PluginError(GraphflowError):
    """An entry point that is missing, ambiguous or fails to load."""


# --- remote execution ----------------------------------------------------------------


class TransportError(GraphflowError):
    """A transport operation failed (connection, file transfer, command)."""

    retryable = True


class RemoteFileNotFoundError(TransportError):
    """A remote path that does not exist; retrying will not make it appear."""

    retryable = False


class SchedulerError(GraphflowError):
    """A scheduler command failed or its output could not be understood."""


class SchedulerSubmitError(SchedulerError):
    """The scheduler rejected a job script; the message carries its own words."""


# --- messaging -----------------------------------------------------------------------


class BrokerError(GraphflowError):
    """A message could not be sent, received or understood."""


class BrokerUnavailableError(BrokerError):
    """The message broker cannot be reached now."""

    retryable = True
