"""Work chain outlines (paper, section 2.2.3.1): steps, ``while_``, ``if_``/``elif_``/
``else_`` and ``return_``, nested to any depth.

An outline is a tree of instructions; the position in it is a plain list of indices
(the path to a step), so it goes into a checkpoint as JSON and never as a pickled
object. :func:`next_position` finds the step after a position, evaluating conditions on
the work chain as it goes.

Paths: in a sequence, ``[i, ...]`` is child ``i`` then the path inside it; in a while
loop, the path inside its body; in an if block, ``[b, ...]`` is branch ``b`` (the else
branch comes after the conditional ones) then the path inside it. A step's own path is
``[]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphflow.engine._exit_codes import ExitCode
from graphflow.errors import OutlineError

__all__ = [
    "If",
    "Instruction",
    "Return",
    "Sequence_",
    "Step",
    "While",
    "if_",
    "next_position",
    "return_",
    "while_",
]

Path = list[int]


class Instruction:
    """A node of the outline tree."""

    def names(self) -> Iterator[tuple[str, str]]:
        """(kind, method name) of every step and condition, for validation."""
        return iter(())


def _name(item: Any, what: str) -> str:
    """The method name of an outline item (``cls.step`` in ``define``)."""
    name = getattr(item, "__name__", None)
    if not callable(item) or not isinstance(name, str) or name == "<lambda>":
        raise OutlineError(
            f"outline {what} {item!r} is not a method of the work chain "
            "(use cls.method_name in define)"
        )
    return name


@dataclass(frozen=True)
class Step(Instruction):
    """Call the work chain's method ``name``."""

    name: str

    def names(self) -> Iterator[tuple[str, str]]:
        yield ("step", self.name)


@dataclass(frozen=True)
class Return(Instruction):
    """Stop the outline here, with an exit code (status 0 when none is given)."""

    exit_code: ExitCode | None = None

    def __call__(self, exit_code: ExitCode | int) -> Return:
        if isinstance(exit_code, bool) or not isinstance(exit_code, (int, ExitCode)):
            raise OutlineError(
                f"return_ takes an ExitCode or an exit status, not {type(exit_code).__name__}"
            )
        if isinstance(exit_code, int):
            if exit_code < 0:
                raise OutlineError(f"return_({exit_code}): an exit status is not negative")
            exit_code = ExitCode(exit_code)
        return Return(exit_code)


return_ = Return()


def _to_instruction(item: Any) -> Instruction:
    if isinstance(item, Instruction):
        return item
    if isinstance(item, _IfBuilder):
        return item.build()
    if isinstance(item, (list, tuple)):
        return Sequence_(item)
    if isinstance(item, _WhileBuilder):
        name = item.condition
        raise OutlineError(f"while_({name}) has no body: write while_(cls.{name})(cls.step, ...)")
    return Step(_name(item, "step"))


@dataclass(frozen=True)
class Sequence_(Instruction):  # noqa: N801 - the trailing _ avoids typing.Sequence
    """Instructions one after the other."""

    children: tuple[Instruction, ...] = field(default_factory=tuple)

    def __init__(self, items: Sequence[Any]) -> None:
        object.__setattr__(self, "children", tuple(_to_instruction(i) for i in items))

    def names(self) -> Iterator[tuple[str, str]]:
        for child in self.children:
            yield from child.names()


@dataclass(frozen=True)
class While(Instruction):
    """Repeat ``body`` while the method ``condition`` returns true."""

    condition: str
    body: Sequence_

    def names(self) -> Iterator[tuple[str, str]]:
        yield ("condition", self.condition)
        yield from self.body.names()


class _WhileBuilder:
    def __init__(self, condition: Any) -> None:
        self.condition = _name(condition, "condition")

    def __call__(self, *body: Any) -> While:
        if not body:
            raise OutlineError(f"while_({self.condition}) has an empty body")
        return While(self.condition, Sequence_(body))


def while_(condition: Any) -> _WhileBuilder:
    """``while_(cls.cond)(cls.step, ...)``."""
    return _WhileBuilder(condition)


@dataclass(frozen=True)
class If(Instruction):
    """The first branch whose condition is true runs; else the ``otherwise`` branch."""

    branches: tuple[tuple[str, Sequence_], ...]
    otherwise: Sequence_ | None = None

    def sequences(self) -> list[Sequence_]:
        seqs = [body for _, body in self.branches]
        if self.otherwise is not None:
            seqs.append(self.otherwise)
        return seqs

    def names(self) -> Iterator[tuple[str, str]]:
        for condition, body in self.branches:
            yield ("condition", condition)
            yield from body.names()
        if self.otherwise is not None:
            yield from self.otherwise.names()


class _IfBuilder:
    """``if_(c)(...).elif_(d)(...).else_(...)``; each call adds to the chain."""

    def __init__(self, condition: Any) -> None:
        self._branches: list[tuple[str, Sequence_]] = []
        self._pending: str | None = _name(condition, "condition")
        self._otherwise: Sequence_ | None = None

    def __call__(self, *body: Any) -> _IfBuilder:
        if self._pending is None:
            raise OutlineError("if_/elif_ body given twice; write if_(cond)(...).elif_(cond)(...)")
        if not body:
            raise OutlineError(f"{self._construct()}({self._pending}) has an empty body")
        self._branches.append((self._pending, Sequence_(body)))
        self._pending = None
        return self

    def _construct(self) -> str:
        return "elif_" if self._branches else "if_"

    def elif_(self, condition: Any) -> _IfBuilder:
        if self._pending is not None or self._otherwise is not None:
            raise OutlineError("elif_ must follow an if_(...)(...) or elif_(...)(...) body")
        self._pending = _name(condition, "condition")
        return self

    def else_(self, *body: Any) -> _IfBuilder:
        if self._pending is not None or self._otherwise is not None:
            raise OutlineError("else_ must come last, after an if_ or elif_ body")
        if not body:
            raise OutlineError("else_() has an empty body")
        self._otherwise = Sequence_(body)
        return self

    def build(self) -> If:
        if self._pending is not None:
            construct, name = self._construct(), self._pending
            raise OutlineError(
                f"{construct}({name}) has no body: write {construct}(cls.{name})(cls.step, ...)"
            )
        return If(tuple(self._branches), self._otherwise)


def if_(condition: Any) -> _IfBuilder:
    """``if_(cls.cond)(cls.step, ...)``, optionally followed by ``.elif_`` and ``.else_``."""
    return _IfBuilder(condition)


# --- walking the outline ------------------------------------------------------------------

Evaluate = Callable[[str], bool]


def _in_sequence(
    seq: Sequence_, start: int, rest: Path | None, evaluate: Evaluate
) -> tuple[Instruction, Path] | None:
    index = start
    while index < len(seq.children):
        found = _in(seq.children[index], rest, evaluate)
        if found is not None:
            return found[0], [index, *found[1]]
        rest = None
        index += 1
    return None


def _in(
    node: Instruction, path: Path | None, evaluate: Evaluate
) -> tuple[Instruction, Path] | None:
    """The next step or return at or after ``path`` in ``node`` (None: ``node`` is done).

    ``path`` None means entering ``node`` afresh; otherwise it is the path of the step
    that has just run.
    """
    if isinstance(node, (Step, Return)):
        return (node, []) if path is None else None
    if isinstance(node, Sequence_):
        if path is None:
            return _in_sequence(node, 0, None, evaluate)
        return _in_sequence(node, path[0], path[1:], evaluate)
    if isinstance(node, While):
        if path is not None:
            found = _in_sequence(node.body, path[0], path[1:], evaluate)
            if found is not None:
                return found
        while evaluate(node.condition):
            found = _in_sequence(node.body, 0, None, evaluate)
            if found is not None:
                return found
        return None
    if isinstance(node, If):
        sequences = node.sequences()
        if path is not None:
            branch = path[0]
            found = _in_sequence(sequences[branch], path[1], path[2:], evaluate)
            return (found[0], [branch, *found[1]]) if found is not None else None
        for branch, (condition, body) in enumerate(node.branches):
            if evaluate(condition):
                found = _in_sequence(body, 0, None, evaluate)
                return (found[0], [branch, *found[1]]) if found is not None else None
        if node.otherwise is not None:
            found = _in_sequence(node.otherwise, 0, None, evaluate)
            if found is not None:
                return found[0], [len(node.branches), *found[1]]
        return None
    raise OutlineError(f"unknown outline instruction {node!r}")


def next_position(
    outline: Sequence_, after: Path | None, evaluate: Evaluate
) -> tuple[Instruction, Path] | None:
    """The next instruction (a Step or a Return) and its path, after the step at ``after``
    (``None``: from the start). None when the outline is finished."""
    return _in(outline, after, evaluate)


def instruction_at(outline: Sequence_, path: Path) -> Instruction:
    """The instruction at ``path`` (used when resuming from a checkpoint)."""
    node: Instruction = outline
    rest = list(path)
    while rest:
        if isinstance(node, Sequence_):
            node = node.children[rest.pop(0)]
        elif isinstance(node, While):
            node = node.body
        elif isinstance(node, If):
            node = node.sequences()[rest.pop(0)]
        else:
            raise OutlineError(f"path {path} goes past a step of the outline")
    if isinstance(node, Sequence_):
        raise OutlineError(f"path {path} ends in a sequence, not a step")
    return node
