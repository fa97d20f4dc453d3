"""Text before the cursor -> the kinds of thing that may come next (pure, never raises).

The idea is pgcli's ``sqlcompletion``: a lexical look at the statement being typed decides
*what kind* of word fits (a label after ``(n:``, a relationship type after ``-[:``, a
property key after ``n.``, a parameter after ``$``, a variable bound earlier, a command
or its argument), and the completer fills the kinds in from the live graph. It does not
parse Cypher; it reads the tokens just before the cursor and the brackets still open.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphflow.shell._lexer import Token, TokenKind, tokenize
from graphflow.shell._splitter import PieceKind, split_input
from graphflow.shell._vocabulary import KEYWORDS, NAMESPACES

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["Analysis", "ArgSpec", "Kind", "Suggestion", "analyse", "bound_variables"]


class Kind(enum.Enum):
    """The kinds of completion the completer knows how to fill in."""

    CLAUSE = "clause"  # a keyword that starts a clause (at the start of a statement)
    KEYWORD = "keyword"
    FUNCTION = "function"
    LABEL = "label"
    RELATIONSHIP_TYPE = "relationship type"
    PROPERTY = "property"
    VARIABLE = "variable"
    PARAMETER = "parameter"
    COMMAND = "command"
    PK = "pk"
    CHOICE = "choice"
    FILE = "file"


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One kind of completion, with what narrows it down.

    ``labels``: for PROPERTY, the labels (or relationship types) of the variable, empty
    when unknown; for VARIABLE, nothing. ``choices``: for CHOICE, the words to offer.
    ``namespace``: for FUNCTION after ``db.``, the dotted prefix already typed.
    """

    kind: Kind
    labels: frozenset[str] = frozenset()
    choices: tuple[str, ...] = ()
    namespace: str = ""
    variables: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Analysis:
    """``word`` is the text before the cursor that a completion replaces; ``prefix`` is
    what candidates are matched against (``word`` without an opening back-quote)."""

    word: str
    prefix: str
    suggestions: tuple[Suggestion, ...]

    @property
    def kinds(self) -> set[Kind]:
        return {s.kind for s in self.suggestions}


@dataclass(frozen=True, slots=True)
class ArgSpec:
    """How a shell command's arguments complete: positional kind, options and their values.

    ``options`` maps an option that takes a value to the values offered (empty: free);
    ``flags`` take no value; ``positional`` is offered for up to ``max_positional`` words.
    """

    positional: Kind | None = None
    choices: tuple[str, ...] = ()
    max_positional: int = 1
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    flags: tuple[str, ...] = ()


_NOTHING = Analysis("", "", ())
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_LABEL_OPERATORS = frozenset({"|", "&", "!"})
_PATTERN_CLAUSES = frozenset({"MATCH", "MERGE", "CREATE"})
_BINDING_FOLLOWERS = frozenset({":", ")", "]", "{", "*"})
_PATH_STARTS = frozenset({"(", "shortestPath", "allShortestPaths"})
_KEYWORD_WORDS = frozenset(word for keyword in KEYWORDS for word in keyword.split())


def analyse(text: str, grammar: Mapping[str, ArgSpec]) -> Analysis:
    """What may be typed at the end of ``text`` (the input up to the cursor)."""
    split = split_input(text)
    if split.pieces and not split.rest:
        last = split.pieces[-1]
        line = text[last.start :]
        # the cursor is still on the command's line, before any ; that would end it
        if last.kind is PieceKind.COMMAND and "\n" not in line and line.rstrip() == last.text:
            return _analyse_command(line, grammar)
    return _analyse_statement(split.rest)


# --- commands -------------------------------------------------------------------------


def _analyse_command(line: str, grammar: Mapping[str, ArgSpec]) -> Analysis:
    parts = line.split()
    if len(parts) <= 1 and not line[-1:].isspace():
        return Analysis(line, line, (Suggestion(Kind.COMMAND),))
    spec = grammar.get(parts[0])
    if spec is None:
        return _NOTHING
    args = parts[1:]
    if line[-1:].isspace():
        word, before = "", args
    else:
        word, before = args[-1], args[:-1]
    if before and before[-1] in spec.options:
        values = spec.options[before[-1]]
        return _choices(word, values) if values else _NOTHING
    every_option = (*spec.options, *spec.flags)
    if word.startswith("-"):
        return _choices(word, every_option)
    positional = _count_positional(before, spec)
    if spec.positional is not None and positional < spec.max_positional:
        if spec.positional is Kind.CHOICE:
            return _choices(word, spec.choices)
        return Analysis(word, word, (Suggestion(spec.positional),))
    return _choices(word, every_option) if every_option else _NOTHING


def _count_positional(words: Sequence[str], spec: ArgSpec) -> int:
    count = 0
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in spec.options:
            skip = True
        elif not word.startswith("-"):
            count += 1
    return count


def _choices(word: str, choices: Sequence[str]) -> Analysis:
    return Analysis(word, word, (Suggestion(Kind.CHOICE, choices=tuple(choices)),))


# --- Cypher ---------------------------------------------------------------------------


def _analyse_statement(statement: str) -> Analysis:
    tokens = tokenize(statement)
    end = len(statement)
    last = tokens[-1] if tokens else None
    word, prefix = "", ""
    if last is not None and last.end == end:
        if last.kind in (TokenKind.STRING, TokenKind.COMMENT, TokenKind.NUMBER):
            return _NOTHING  # inside a string, a comment or a number: nothing to offer
        if last.kind is TokenKind.NAME:
            if last.closed:
                return _NOTHING
            word, prefix = last.text, last.text[1:]
            tokens = tokens[:-1]
        elif last.kind is TokenKind.WORD:
            word = prefix = last.text
            tokens = tokens[:-1]
    if last is not None and last.kind is TokenKind.COMMENT and not last.closed:
        return _NOTHING
    before = [t for t in tokens if t.kind is not TokenKind.COMMENT]
    return Analysis(word, prefix, _suggest(before))


def _suggest(before: list[Token]) -> tuple[Suggestion, ...]:
    if not before:
        return (Suggestion(Kind.CLAUSE),)
    bindings = bound_variables(before)
    variables = tuple(bindings)
    general = (
        Suggestion(Kind.VARIABLE, variables=variables),
        Suggestion(Kind.FUNCTION),
        Suggestion(Kind.KEYWORD),
    )
    prev = before[-1]
    if prev.kind is not TokenKind.PUNCT:
        if prev.kind is TokenKind.WORD and prev.text.upper() == "AS":
            return ()  # a new name is being chosen
        return general
    symbol = prev.text
    if symbol == "$":
        return (Suggestion(Kind.PARAMETER),)
    if symbol == ".":
        return _after_dot(before, bindings)
    opener = _innermost_opener(before)
    if symbol == ":" or (symbol in _LABEL_OPERATORS and _in_label_expression(before[:-1])):
        if opener is not None and before[opener].text == "{":
            return general  # a map value
        if opener is not None and _is_relationship_bracket(before, opener):
            return (Suggestion(Kind.RELATIONSHIP_TYPE),)
        return (Suggestion(Kind.LABEL),)
    if symbol in ("{", ",") and opener is not None and before[opener].text == "{":
        outer = _innermost_opener(before[:opener])
        if outer is not None and before[outer].text in ("(", "["):
            labels = _pattern_labels(before[outer + 1 : opener])
            return (Suggestion(Kind.PROPERTY, labels=labels),)
    if symbol == "(" and _starts_pattern(before[:-1]):
        return (Suggestion(Kind.VARIABLE, variables=variables),)
    if symbol == "[" and _is_relationship_bracket(before, len(before) - 1):
        return (Suggestion(Kind.VARIABLE, variables=variables),)
    return general


def _after_dot(
    before: list[Token], bindings: Mapping[str, frozenset[str]]
) -> tuple[Suggestion, ...]:
    if len(before) < 2:
        return ()
    owner = before[-2]
    if owner.kind is TokenKind.WORD:
        if owner.text in bindings:
            return (Suggestion(Kind.PROPERTY, labels=bindings[owner.text]),)
        if owner.text in NAMESPACES:
            return (Suggestion(Kind.FUNCTION, namespace=owner.text + "."),)
        return (Suggestion(Kind.PROPERTY),)
    if owner.kind is TokenKind.NAME or (owner.kind is TokenKind.PUNCT and owner.text in ")]"):
        return (Suggestion(Kind.PROPERTY),)
    return ()  # 1. or a range's .. : nothing to complete


def _innermost_opener(tokens: Sequence[Token]) -> int | None:
    """Index of the innermost bracket still open at the end of ``tokens``."""
    stack: list[int] = []
    for index, token in enumerate(tokens):
        if token.kind is not TokenKind.PUNCT:
            continue
        if token.text in _OPENERS:
            stack.append(index)
        elif token.text in _CLOSERS:
            # pop to the matching opener; an unmatched closer is ignored (text being typed)
            for depth in range(len(stack) - 1, -1, -1):
                if tokens[stack[depth]].text == _CLOSERS[token.text]:
                    del stack[depth:]
                    break
    return stack[-1] if stack else None


def _is_relationship_bracket(tokens: Sequence[Token], index: int) -> bool:
    """Whether the ``[`` at ``index`` opens a relationship pattern (``-[`` or ``<-[``)."""
    if tokens[index].text != "[" or index == 0:
        return False
    before = tokens[index - 1]
    return before.kind is TokenKind.PUNCT and before.text == "-"


def _in_label_expression(tokens: Sequence[Token]) -> bool:
    """Whether ``tokens`` end inside a label expression (``:A|B``, ``:A&!B``)."""
    for token in reversed(tokens):
        if token.kind in (TokenKind.WORD, TokenKind.NAME):
            continue
        if token.kind is TokenKind.PUNCT and token.text in _LABEL_OPERATORS:
            continue
        return token.kind is TokenKind.PUNCT and token.text == ":"
    return False


def _starts_pattern(tokens: Sequence[Token]) -> bool:
    """Whether a ``(`` after ``tokens`` opens a node pattern rather than an expression."""
    if not tokens:
        return False
    prev = tokens[-1]
    if prev.kind is TokenKind.PUNCT:
        return prev.text in ("-", ">", "<")
    return prev.kind is TokenKind.WORD and prev.text.upper() in _PATTERN_CLAUSES


def _pattern_labels(tokens: Sequence[Token]) -> frozenset[str]:
    """Labels or types written in a pattern element (``n:Int``, ``:INPUT|CREATE``)."""
    labels = set()
    for index, token in enumerate(tokens[1:], start=1):
        if token.kind in (TokenKind.WORD, TokenKind.NAME) and tokens[index - 1].text in (
            ":",
            "|",
            "&",
        ):
            labels.add(_unquote(token))
    return frozenset(labels)


def _unquote(token: Token) -> str:
    if token.kind is TokenKind.NAME:
        return token.text[1:-1].replace("``", "`") if token.closed else token.text[1:]
    return token.text


def _is_variable_word(token: Token) -> bool:
    return token.kind is TokenKind.WORD and token.text.upper() not in _KEYWORD_WORDS


def bound_variables(tokens: Sequence[Token]) -> dict[str, frozenset[str]]:
    """Variables bound in ``tokens``, in order, with the labels or types written for them.

    Bindings: ``(n``, ``[r`` (in patterns and list comprehensions), ``AS x``, ``p =``
    before a pattern, and names after ``YIELD``. A later ``n:Label`` adds a label.
    """
    found: dict[str, set[str]] = {}
    n = len(tokens)
    for i, token in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < n else None
        after = tokens[i + 2] if i + 2 < n else None
        name: str | None = None
        if token.kind is TokenKind.PUNCT and token.text in ("(", "[") and nxt is not None:
            follows = (
                after is None
                or after.text in _BINDING_FOLLOWERS
                or (after.kind is TokenKind.WORD and after.text.upper() == "IN")
            )
            if _is_variable_word(nxt) and follows:
                name = nxt.text
        elif token.kind is TokenKind.WORD and token.text.upper() in ("AS", "YIELD"):
            if nxt is not None and _is_variable_word(nxt):
                name = nxt.text
        elif token.kind is TokenKind.PUNCT and token.text == "," and nxt is not None:
            if _is_variable_word(nxt) and _in_yield(tokens, i):
                name = nxt.text
        elif (
            _is_variable_word(token)
            and nxt is not None
            and nxt.text == "="
            and after is not None
            and after.text in _PATH_STARTS
        ):
            name = token.text
        if name is not None:
            found.setdefault(name, set())
        if _is_variable_word(token) and token.text in found and nxt is not None:
            found[token.text].update(_labels_after(tokens, i + 1))
    return {name: frozenset(labels) for name, labels in found.items()}


def _labels_after(tokens: Sequence[Token], start: int) -> set[str]:
    """Labels in a ``:A:B`` / ``:A|B`` / ``:A&B`` chain starting at ``start``."""
    labels = set()
    i = start
    while i + 1 < len(tokens):
        op, name = tokens[i], tokens[i + 1]
        if op.kind is not TokenKind.PUNCT or op.text not in (":", "|", "&"):
            break
        if name.kind is TokenKind.PUNCT and name.text == "!":
            i += 1  # a negated label names nothing the variable has
            continue
        if name.kind not in (TokenKind.WORD, TokenKind.NAME):
            break
        labels.add(_unquote(name))
        i += 2
    return labels


def _in_yield(tokens: Sequence[Token], index: int) -> bool:
    """Whether the ``,`` at ``index`` separates names of a ``YIELD a, b`` list."""
    i = index - 1
    while i >= 1:
        token = tokens[i]
        if token.kind is TokenKind.WORD and token.text.upper() == "YIELD":
            return True
        if not (_is_variable_word(token) or token.text == "," or token.text.upper() == "AS"):
            return False
        i -= 1
    return False
