"""Walking outlines: the position is plain indices, conditions are evaluated as needed."""

from __future__ import annotations

import pytest

from graphflow.engine._outline import (
    Return,
    Sequence_,
    Step,
    if_,
    instruction_at,
    next_position,
    return_,
    while_,
)
from graphflow.errors import OutlineError


class Names:
    """Stand-ins for methods: outline items only need a __name__."""

    def __getattr__(self, name: str):
        def method() -> None: ...

        method.__name__ = name
        return method


m = Names()


def walk(outline: Sequence_, conditions: dict[str, list[bool]]) -> list[str]:
    """Run the outline with scripted condition results; return the steps in order."""
    script = {k: list(v) for k, v in conditions.items()}
    done: list[str] = []
    position = None
    while True:
        found = next_position(outline, position, lambda c: script[c].pop(0))
        if found is None:
            return done
        instruction, position = found
        assert instruction_at(outline, position) == instruction
        if isinstance(instruction, Return):
            return [*done, "return"]
        assert isinstance(instruction, Step)
        done.append(instruction.name)


def test_fizzbuzz_shape() -> None:
    outline = Sequence_(
        [
            m.init,
            while_(m.more)(
                if_(m.fifteen)(m.fizzbuzz).elif_(m.three)(m.fizz).elif_(m.five)(m.buzz).else_(m.n),
                m.inc,
            ),
        ]
    )
    steps = walk(
        outline,
        {
            "more": [True, True, True, False],
            "fifteen": [True, False, False],
            "three": [True, False],
            "five": [False],
        },
    )
    assert steps == ["init", "fizzbuzz", "inc", "fizz", "inc", "n", "inc"]


def test_return_stops_the_outline() -> None:
    outline = Sequence_([m.a, if_(m.bad)(return_), m.b])
    assert walk(outline, {"bad": [True]}) == ["a", "return"]
    assert walk(outline, {"bad": [False]}) == ["a", "b"]


def test_nested_loops_resume_from_positions() -> None:
    outline = Sequence_([while_(m.outer)(m.x, while_(m.inner)(m.y), m.z)])
    steps = walk(outline, {"outer": [True, True, False], "inner": [True, False, False]})
    assert steps == ["x", "y", "z", "x", "z"]


def test_items_must_be_methods() -> None:
    with pytest.raises(OutlineError, match="not a method"):
        Sequence_([lambda self: None])
    with pytest.raises(OutlineError, match="empty body"):
        while_(m.c)()
    with pytest.raises(OutlineError, match="else_ must come last"):
        if_(m.c)(m.a).else_(m.b).else_(m.d)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Sequence_(["step"]),  # a name, not the method
        lambda: Sequence_([5]),
        lambda: while_(5),  # a condition that cannot be called
        lambda: while_(m.c)(None),
        lambda: if_("cond"),
        lambda: if_(m.c)(m.a).elif_(7),
        lambda: if_(m.c)(m.a).else_(m.b).else_(m.d),
        lambda: while_(m.c)(),
    ],
    ids=["name", "int", "while-int", "while-body-none", "if-str", "elif-int", "else", "empty"],
)
def test_a_bad_outline_is_a_type_error_as_plumpy_refuses_a_step_that_is_no_function(
    build,
) -> None:
    """plumpy's ``_FunctionCall`` raises TypeError for an outline item that is not a
    function; graphflow's OutlineError is one too, so ``except TypeError`` catches it."""
    with pytest.raises(TypeError) as caught:
        build()
    assert isinstance(caught.value, OutlineError)


def test_define_naming_a_missing_method_is_an_attribute_error_as_in_aiida() -> None:
    """In AiiDA, ``cls.missing`` in ``define`` is Python's AttributeError; graphflow
    refuses the class as it is defined, with an OutlineError that is one too."""
    import graphflow as gf

    with pytest.raises(AttributeError, match="'missing'") as caught:

        class Broken(gf.WorkChain):
            @classmethod
            def define(cls, spec: gf.ProcessSpec) -> None:
                super().define(spec)
                spec.outline(cls.missing)  # type: ignore[attr-defined]

    assert isinstance(caught.value, OutlineError)


@pytest.mark.parametrize(
    ("outline", "said"),
    [
        (lambda cls: (cls.a, 3), "Odd: outline step 3 is not a method"),
        (lambda cls: (while_(cls.a),), r"Odd: while_\(a\) has no body: write while_\(cls.a\)\("),
        (lambda cls: (if_(cls.a),), r"Odd: if_\(a\) has no body: write if_\(cls.a\)\("),
        (lambda cls: (if_(cls.a)(cls.a).elif_(cls.a),), r"Odd: elif_\(a\) has no body: write"),
        (lambda cls: (if_(cls.a)(),), r"Odd: if_\(a\) has an empty body"),
        (lambda cls: (if_(cls.a)(cls.a).elif_(cls.a)(),), r"Odd: elif_\(a\) has an empty body"),
        (lambda cls: (if_(cls.a)(cls.a).else_(),), r"Odd: else_\(\) has an empty body"),
    ],
    ids=[
        "int",
        "while-without-body",
        "if-without-body",
        "elif-without-body",
        "if-empty",
        "elif-empty",
        "else-empty",
    ],
)
def test_a_bad_outline_names_its_class(outline, said: str) -> None:
    """The error is raised while the class is defined, far from its name: it says it."""
    import graphflow as gf

    with pytest.raises(OutlineError, match=said):

        class Odd(gf.WorkChain):
            @classmethod
            def define(cls, spec: gf.ProcessSpec) -> None:
                super().define(spec)
                spec.outline(*outline(cls))

            def a(self) -> None: ...
