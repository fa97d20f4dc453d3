"""Children into ``ctx`` as AiiDA 2.x puts them (issue 23, item 12).

Dotted ``to_context`` keys nest: ``'sub.key'`` is ``self.ctx.sub.key``, in the step after
and after a checkpoint round trip. A key whose place is taken — a namespace, a value that is
not a namespace on the way, a list ``append_`` collects into — is refused with a
ValueError naming the key.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

import graphflow as gf
from graphflow.engine._checkpoint import dumps, loads
from graphflow.engine._process import AttributeDict

pytestmark = pytest.mark.usefixtures("backend")


class Leaf(gf.WorkChain):
    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.input("x", valid_type=gf.Int)
        spec.outline(cls.go)
        spec.output("y", valid_type=gf.Int)

    def go(self) -> None:
        self.out("y", gf.Int(self.inputs.x.value * 2).store())


class Nests(gf.WorkChain):
    """Waits for children under dotted keys, then reads them through the namespaces."""

    seen: ClassVar[dict[str, Any]] = {}

    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.outline(cls.launch, cls.more, cls.read)

    def launch(self) -> Any:
        return gf.ToContext(
            **{
                "sub.first": self.submit(Leaf, x=gf.Int(1)),
                "sub.deeper.second": self.submit(Leaf, x=gf.Int(2)),
            }
        )

    def more(self) -> None:
        for i in (3, 4):
            self.to_context(**{"sub.many": gf.append_(self.submit(Leaf, x=gf.Int(i)))})

    def read(self) -> None:
        ctx = self.ctx
        Nests.seen = {
            "first": ctx.sub.first.outputs.y.value,
            "second": ctx.sub.deeper.second.outputs.y.value,
            "many": [child.outputs.y.value for child in ctx.sub.many],
            "restored": type(self).restored_ctx(self),
        }

    @staticmethod
    def restored_ctx(process: gf.WorkChain) -> int:
        # the same ctx through a checkpoint's JSON: namespaces keep attribute access
        checkpoint = loads(dumps(process.checkpoint()))
        again = Nests.__new__(Nests)
        nodes = {n.uuid: n for n in [process.ctx.sub.first, process.ctx.sub.deeper.second]}
        nodes.update({n.uuid: n for n in process.ctx.sub.many})
        nodes.update({n.uuid: n for n in process.inputs.values() if isinstance(n, gf.Node)})
        again.restore(checkpoint, nodes)
        return again.ctx.sub.deeper.second.outputs.y.value


def test_dotted_keys_nest_in_ctx() -> None:
    _, node = gf.run_get_node(Nests)

    assert node.is_finished_ok, node.exit_message
    assert Nests.seen == {"first": 2, "second": 4, "many": [6, 8], "restored": 4}


class Clash(gf.WorkChain):
    """Its first step prepares ``ctx``, its second waits under ``key``."""

    prepare: ClassVar[Any] = None
    keys: ClassVar[list[tuple[str, bool]]] = []

    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.outline(cls.first, cls.second)

    def first(self) -> None:
        type(self).prepare(self)

    def second(self) -> None:
        for key, append in type(self).keys:
            child = self.submit(Leaf, x=gf.Int(1))
            self.to_context(**{key: gf.append_(child) if append else child})


def clash(prepare: Any, *keys: tuple[str, bool]) -> type[Clash]:
    attrs = {"prepare": prepare, "keys": list(keys), "__module__": __name__}
    return type("Clashing", (Clash,), attrs)


def set_ctx(**values: Any) -> Any:
    def prepare(process: gf.WorkChain) -> None:
        for key, value in values.items():
            process.ctx[key] = value() if callable(value) else value

    return prepare


@pytest.mark.parametrize(
    ("chain", "message"),
    [
        (
            clash(set_ctx(sub=lambda: AttributeDict(a=1)), ("sub", False)),
            r"ctx\.sub is a namespace",
        ),
        (
            clash(set_ctx(sub=lambda: gf.Int(5).store()), ("sub.key", False)),
            r"ctx\.sub is a Int, not a namespace",
        ),
        (clash(set_ctx(many=[]), ("many", False)), r"ctx\.many is a list that append_"),
        (
            clash(set_ctx(), ("both", False), ("both", True)),
            r"ctx\.both is a list that append_",
        ),
        (clash(set_ctx(one=7), ("one", True)), r"ctx\.one holds a int; append_ collects"),
        (clash(set_ctx(), ("a..b", False)), r"'a\.\.b' has an empty level"),
    ],
    ids=["namespace", "not-a-namespace", "list", "set-and-append", "append-to-value", "empty"],
)
def test_a_key_whose_place_is_taken_is_refused(chain: type[Clash], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gf.run(chain)


class Exposed(gf.WorkChain):
    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.input("x", valid_type=gf.Int)
        spec.input("y", valid_type=gf.Int, required=False)
        spec.outline(cls.go)

    def go(self) -> None:
        pass


class Agglomerates(gf.WorkChain):
    seen: ClassVar[dict[str, Any]] = {}

    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.expose_inputs(Exposed, include=("x",))
        spec.expose_inputs(Exposed, namespace="sub", include=("y",))
        spec.outline(cls.look)

    def look(self) -> None:
        Agglomerates.seen = {
            "gathered": sorted(self.exposed_inputs(Exposed, namespace="sub")),
            "alone": sorted(self.exposed_inputs(Exposed, namespace="sub", agglomerate=False)),
        }


def test_exposed_inputs_gathers_from_parent_namespaces_unless_told_not_to() -> None:
    _, node = gf.run_get_node(Agglomerates, x=gf.Int(1), sub={"y": gf.Int(2)})

    assert node.is_finished_ok, node.exit_message
    assert Agglomerates.seen == {"gathered": ["x", "y"], "alone": ["y"]}
