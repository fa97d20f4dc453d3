"""Kinds of completion + metadata from the live graph -> prompt-toolkit completions.

A :class:`CypherCompleter` is immutable: it holds one snapshot of :class:`Metadata`.
The refresher builds a new one when the graph changed and the session swaps it in, so a
completion never waits on the store and never sees half-updated metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, assert_never

from prompt_toolkit.completion import Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from graphflow.shell._analysis import Analysis, ArgSpec, Kind, Suggestion, analyse
from graphflow.shell._vocabulary import CLAUSE_KEYWORDS, FUNCTIONS, KEYWORDS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    from prompt_toolkit.completion import CompleteEvent

__all__ = ["CypherCompleter", "Metadata", "NodeHint"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: kinds offered for an empty word only when asked (Tab), unlike labels after ':'
_ONLY_ON_REQUEST = frozenset({Kind.CLAUSE, Kind.KEYWORD, Kind.FUNCTION, Kind.VARIABLE})


@dataclass(frozen=True, slots=True)
class NodeHint:
    """A node offered where a pk is expected: its pk and a few words about it."""

    pk: int
    description: str


@dataclass(frozen=True, slots=True)
class Metadata:
    """What the graph held at the last refresh (empty before the first one)."""

    labels: tuple[str, ...] = ()
    relationship_types: tuple[str, ...] = ()
    #: label or relationship type -> property keys seen on it
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    nodes: tuple[NodeHint, ...] = ()
    node_count: int | None = None

    def keys_of(self, owners: Iterable[str]) -> list[str]:
        """Keys seen on ``owners`` first, then every other key (a variable's labels may
        be incomplete, so nothing is hidden)."""
        wanted = set(owners)
        first = sorted({k for owner in wanted for k in self.keys.get(owner, ())})
        rest = sorted({k for keys in self.keys.values() for k in keys} - set(first))
        return first + rest


class CypherCompleter(Completer):
    """Completes Cypher and shell commands from one metadata snapshot.

    ``commands`` maps every command name (and alias) to its one-line help; ``grammar``
    says how their arguments complete; ``parameters`` gives the current ``$`` names.
    """

    def __init__(
        self,
        metadata: Metadata,
        *,
        commands: Mapping[str, str],
        grammar: Mapping[str, ArgSpec],
        parameters: Callable[[], Iterable[str]],
    ) -> None:
        self.metadata = metadata
        self._commands = commands
        self._grammar = grammar
        self._parameters = parameters
        self._paths = PathCompleter(expanduser=True)

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        analysis = analyse(document.text_before_cursor, self._grammar)
        quiet = not analysis.word and not complete_event.completion_requested
        if quiet and analysis.kinds <= _ONLY_ON_REQUEST:
            return  # no menu after every space or newline; Tab still asks
        seen: set[str] = set()
        for suggestion in analysis.suggestions:
            for completion in self._complete(suggestion, analysis, complete_event):
                if completion.text not in seen:
                    seen.add(completion.text)
                    yield completion

    def _complete(
        self, suggestion: Suggestion, analysis: Analysis, event: CompleteEvent
    ) -> Iterator[Completion]:
        kind = suggestion.kind
        prefix = analysis.prefix
        quoted = analysis.word.startswith("`")
        if kind is Kind.FILE:
            yield from self._paths.get_completions(Document(analysis.word), event)
            return
        if kind is Kind.PK:
            for hint in self.metadata.nodes:
                if str(hint.pk).startswith(prefix):
                    yield self._make(str(hint.pk), analysis, hint.description)
            return
        candidates, meta = self._candidates(suggestion, prefix)
        for candidate in _ranked(prefix, candidates):
            text = candidate
            if kind in (Kind.LABEL, Kind.RELATIONSHIP_TYPE, Kind.PROPERTY):
                text = _quote(candidate, force=quoted)
            display = suggestion.namespace + candidate
            yield self._make(text, analysis, meta(candidate), display=display)

    def _candidates(
        self, suggestion: Suggestion, prefix: str
    ) -> tuple[Sequence[str], Callable[[str], str]]:
        match suggestion.kind:
            case Kind.CLAUSE:
                return _cased(CLAUSE_KEYWORDS, prefix), _const("keyword")
            case Kind.KEYWORD:
                return _cased(KEYWORDS, prefix), _const("keyword")
            case Kind.FUNCTION:
                space = suggestion.namespace  # db.la: names inside it, matched without it
                names = [f[len(space) :] for f in FUNCTIONS if f.startswith(space)]
                if not space:
                    names = [f for f in names if "." not in f]
                return names, _const("function")
            case Kind.LABEL:
                return self.metadata.labels, _const("label")
            case Kind.RELATIONSHIP_TYPE:
                return self.metadata.relationship_types, _const("relationship type")
            case Kind.PROPERTY:
                return self.metadata.keys_of(suggestion.labels), _const("property")
            case Kind.VARIABLE:
                return suggestion.variables, _const("variable")
            case Kind.PARAMETER:
                return sorted(self._parameters()), _const("parameter")
            case Kind.COMMAND:
                return sorted(self._commands), self._commands.__getitem__
            case Kind.CHOICE:
                return suggestion.choices, _const("")
            case Kind.PK | Kind.FILE:
                return (), _const("")  # filled in by _complete, from metadata and the disk
            case unknown:
                assert_never(unknown)

    @staticmethod
    def _make(text: str, analysis: Analysis, meta: str, display: str | None = None) -> Completion:
        return Completion(
            text, start_position=-len(analysis.word), display=display, display_meta=meta
        )


def _const(value: str) -> Callable[[str], str]:
    return lambda _candidate: value


def _cased(keywords: Sequence[str], prefix: str) -> list[str]:
    """Keywords in the case the user types them in (lower-case prefix: lower-case)."""
    if prefix and prefix == prefix.lower():
        return [k.lower() for k in keywords]
    return list(keywords)


def _ranked(prefix: str, candidates: Iterable[str]) -> list[str]:
    """Candidates that start with ``prefix`` (any case), then (for two characters or more)
    those that contain it: ``key`` finds ``process_key`` too."""
    if not prefix:
        return list(candidates)
    low = prefix.lower()
    starts, contains = [], []
    for candidate in candidates:
        folded = candidate.lower()
        if folded.startswith(low):
            starts.append(candidate)
        elif len(low) > 1 and low in folded:
            contains.append(candidate)
    return starts + contains


def _quote(name: str, *, force: bool) -> str:
    if not force and _IDENTIFIER.match(name):
        return name
    return "`" + name.replace("`", "``") + "`"
