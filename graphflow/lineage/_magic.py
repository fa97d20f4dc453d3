"""The ``%cypher`` / ``%%cypher`` magic: read-only Cypher from a notebook cell.

::

    %cypher [-g] [-o NAME] QUERY            one line
    %%cypher [-g] [-o NAME]                 the cell is the query
    MATCH (n:Node {pk: $result.pk})<-[:INPUT|CREATE*]-(a) RETURN DISTINCT a

``$name`` parameters come from the notebook's variables; a graphflow node is passed as a
map of ``uuid``, ``pk``, ``label``, ``node_type`` (and ``value`` for base types), so
``$result.pk`` works. The result is a pandas DataFrame; with ``-g`` it is the provenance
graph of the nodes, relationships and paths in it (shown interactively). ``-o NAME`` also
stores the result in the variable NAME. Errors (a syntax error, a write clause, an
undefined variable) are shown as one readable message, without a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphflow import _loop
from graphflow.errors import GraphflowError, MissingExtraError
from graphflow.lineage._result import result_frame, result_graph
from graphflow.orm import BaseType, Node
from graphflow.orm._cypher import acypher
from graphflow.store import error_position, marks_its_own_position

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["CypherMagic", "MagicOptions", "node_parameter", "parse_magic_line", "query_parameters"]

_OPTION = re.compile(r"^\s*(-g|--graph|-o\s+[A-Za-z_]\w*|--out\s+[A-Za-z_]\w*)(?=\s|$)")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# string literals and comments, which may hold a '$' that is not a parameter
_NOT_CODE = re.compile(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"|//[^\n]*|/\*.*?\*/", re.DOTALL)


@dataclass(frozen=True, slots=True)
class MagicOptions:
    graph: bool = False
    out: str | None = None


def parse_magic_line(line: str) -> tuple[MagicOptions, str]:
    """Leading options of the magic's line, and the rest (the query of a line magic)."""
    graph, out, rest = False, None, line
    while True:
        match = _OPTION.match(rest)
        if match is None:
            break
        word = match.group(1).split()
        if word[0] in ("-g", "--graph"):
            graph = True
        else:
            out = word[1]
        rest = rest[match.end() :]
    rest = rest.strip()
    if rest.startswith("-"):
        option = rest.split()[0]
        raise ValueError(f"unknown option {option!r}: the options are -g/--graph, -o/--out NAME")
    return MagicOptions(graph, out), rest


def node_parameter(node: Node) -> dict[str, Any]:
    """A node as a query parameter: a map of what identifies it (``$node.pk``, ...)."""
    value: dict[str, Any] = {
        "uuid": node.uuid,
        "pk": node.pk,
        "label": node.label,
        "node_type": node.node_type,
    }
    if isinstance(node, BaseType):
        value["value"] = node.value
    return value


def _parameter(value: Any) -> Any:
    if isinstance(value, Node):
        return node_parameter(value)
    if isinstance(value, (list, tuple)):
        return [_parameter(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _parameter(item) for key, item in value.items()}
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()  # numpy scalars and arrays as plain numbers and lists
    return value


def query_parameters(text: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The values of the query's ``$name`` parameters, from the notebook's variables."""
    names = sorted(set(_PARAM.findall(_NOT_CODE.sub(" ", text))))
    missing = [name for name in names if name not in namespace]
    if missing:
        wanted = ", ".join(f"${name}" for name in missing)
        raise KeyError(
            f"the query uses {wanted}, but the notebook has no variable named "
            f"{', '.join(missing)}: define it in a cell above"
        )
    return {name: _parameter(namespace[name]) for name in names}


def readable_error(text: str, exc: BaseException) -> str:
    """The server's message, with the offending line marked when it gives a position."""
    message = str(exc).strip()
    position = None if marks_its_own_position(message) else error_position(message)
    lines = text.splitlines()
    if position is not None and 0 < position[0] <= len(lines):
        line = lines[position[0] - 1]
        column = max(0, min(position[1], len(line)))
        message += f"\n    {line}\n    {' ' * column}^"
    return f"Cypher query failed: {message}"


class CypherMagic:
    """The magic bound to one IPython shell (whose variables give the parameters)."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell  # IPython.core.interactiveshell.InteractiveShell

    def __call__(self, line: str, cell: str | None = None) -> Any:
        from IPython.core.error import UsageError

        try:
            options, rest = parse_magic_line(line)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        text = cell if cell is not None else rest
        if cell is not None and rest:
            raise UsageError(f"%%cypher takes options on its line, not a query: {rest!r}")
        if not text.strip():
            raise UsageError("no query: write it after %cypher, or in the cell under %%cypher")
        try:
            params = query_parameters(text, self.shell.user_ns)
        except KeyError as exc:
            raise UsageError(str(exc.args[0])) from None
        try:
            result = _loop.call(acypher(text, params, convert=False))
        except GraphflowError as exc:
            # a UsageError is shown as one line, without the traceback of our internals
            raise UsageError(readable_error(text, exc)) from None
        except TypeError as exc:  # a parameter value the driver cannot send
            raise UsageError(f"a parameter cannot be sent to the store: {exc}") from None
        try:
            value: Any = result_graph(result) if options.graph else result_frame(result)
        except MissingExtraError as exc:
            raise UsageError(str(exc)) from None
        if options.graph and not value.nodes:
            raise UsageError("-g: the result holds no provenance node to draw")
        if options.out is not None:
            self.shell.user_ns[options.out] = value
        return value
