"""Process functions on the real store: the exact graphs of listings 7 and 8, nesting,
exit codes, reports, and every kind of bad input (each naming function and port, leaving
no half-written process)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import pytest

import graphflow as gf
from graphflow.errors import LinkRuleError, PortValidationError, ProcessError

pytestmark = pytest.mark.usefixtures("backend")
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "examples"))

from listing06_calcfunctions import add, multiply  # noqa: E402
from listing08_add_multiply import add_multiply  # noqa: E402

GENERIC = {"Node", "Data", "Process", "Calculation", "Workflow"}


def graph_of(process_uuid: str) -> list[tuple[str, str, str, str]]:
    """(source kind, link type, label, target kind) for links touching a process; a data
    node's kind is its type label, another process's kind its most specific label."""
    rows = gf.cypher(
        """
        MATCH (p:Process {uuid: $uuid})-[l]-(o:Node)
        RETURN startNode(l) = p AS outgoing, p.process_label AS me, labels(o) AS labels,
               type(l) AS type, l.label AS label
        """,
        uuid=process_uuid,
    )
    out = []
    for r in rows:
        (kind,) = set(r["labels"]) - GENERIC
        src, dst = (r["me"], kind) if r["outgoing"] else (kind, r["me"])
        out.append((src, r["type"], r["label"], dst))
    return sorted(out)


def test_listing7_graph() -> None:
    result = multiply(add(gf.Int(3), gf.Int(4)), gf.Int(5))
    assert result.value == 35
    rows = gf.cypher(
        """
        MATCH (r:Int {uuid: $uuid})<-[c1:CREATE]-(m:CalcFunction)<-[i:INPUT]-(s:Int)
              <-[c2:CREATE]-(a:CalcFunction)
        MATCH (m)<-[iz:INPUT {label: 'b'}]-(z:Int)
        MATCH (a)<-[ia:INPUT]-(x:Int)
        RETURN m.process_label AS m, a.process_label AS a, s.value AS sum, z.value AS z,
               i.label AS il, c1.label AS c1, c2.label AS c2, collect(x.value) AS xs,
               labels(m) AS mlabels
        """,
        uuid=result.uuid,
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row["m"], row["a"], row["sum"], row["z"]) == ("multiply", "add", 7, 5)
    assert (row["il"], row["c1"], row["c2"]) == ("a", "result", "result")
    assert sorted(row["xs"]) == [3, 4]
    assert set(row["mlabels"]) == {"Node", "Process", "Calculation", "CalcFunction"}


def test_listing8_graph() -> None:
    result, node = add_multiply.run_get_node(gf.Int(1), gf.Int(2), gf.Int(3))
    assert result.value == 9
    assert node.is_finished_ok
    assert isinstance(node, gf.orm.WorkFunctionNode)
    assert graph_of(node.uuid) == [
        ("Int", "INPUT", "x", "add_multiply"),
        ("Int", "INPUT", "y", "add_multiply"),
        ("Int", "INPUT", "z", "add_multiply"),
        ("add_multiply", "CALL", "CALL", "CalcFunction"),
        ("add_multiply", "CALL", "CALL", "CalcFunction"),
        ("add_multiply", "RETURN", "result", "Int"),
    ]
    add_node, multiply_node = node.called
    assert graph_of(add_node.uuid) == [
        ("Int", "INPUT", "a", "add"),
        ("Int", "INPUT", "b", "add"),
        ("WorkFunction", "CALL", "CALL", "add"),
        ("add", "CREATE", "result", "Int"),
    ]
    assert multiply_node.outputs.result.uuid == result.uuid
    assert add_node.outputs.result.value == 3
    # the result is created by multiply and returned by add_multiply: one node, two links
    count = gf.cypher("MATCH (r:Node {uuid: $u})<-[l]-() RETURN count(l) AS n", u=result.uuid)[0][
        "n"
    ]
    assert count == 2


def test_plain_values_are_wrapped_and_annotations_checked() -> None:
    @gf.calcfunction
    def scale(x: gf.Float | gf.Int, factor: float = 2.0, label: str | None = None):
        return x * factor

    assert scale(3).value == 6.0
    assert scale(gf.Int(2), factor=0.5).value == 1.0
    with pytest.raises(PortValidationError) as info:
        scale(gf.Str("no"))
    assert info.value.paths == ["x"]
    assert "scale" in str(info.value)


def test_varargs_and_kwargs_become_dynamic_inputs() -> None:
    @gf.calcfunction
    def total(*values, **extra):
        return sum((v for v in values), gf.Int(0)) + sum(extra.values(), gf.Int(0))

    result, node = total.run_get_node(1, 2, 3, bonus=gf.Int(10))
    assert result.value == 16
    assert sorted(node.inputs) == ["bonus", "values_0", "values_1", "values_2"]


def test_dict_outputs_with_namespaces() -> None:
    @gf.calcfunction
    def split(x):
        return {"low": x - 1, "high": {"one": x + 1, "two": x + 2}}

    result, node = split.run_get_node(gf.Int(5))
    assert result["low"].value == 4
    assert result["high"]["two"].value == 7
    assert node.outputs.high.one.value == 6
    labels = {
        r["l"]
        for r in gf.cypher(
            "MATCH (:Node {uuid: $u})-[l:CREATE]->() RETURN l.label AS l", u=node.uuid
        )
    }
    assert labels == {"low", "high__one", "high__two"}


def test_exit_code_from_a_process_function() -> None:
    @gf.calcfunction
    def refuse(x):
        if x.value < 0:
            return gf.ExitCode(300, "negative input")
        return x + 0

    result, node = refuse.run_get_node(gf.Int(-1))
    assert result == {}
    assert (node.exit_status, node.exit_message) == (300, "negative input")
    assert not node.is_finished_ok


def test_exception_excepts_the_process_and_reraises() -> None:
    @gf.calcfunction
    def broken(x):
        gf.report("about to fail")
        raise RuntimeError("the computation blew up")

    with pytest.raises(RuntimeError, match="blew up"):
        broken(gf.Int(1))
    nodes = gf.cypher(
        "MATCH (p:CalcFunction {process_label: 'broken'}) RETURN p ORDER BY p.pk DESC LIMIT 1"
    )
    node = nodes[0]["p"]
    assert node.process_state.value == "excepted"
    assert node.exit_message == "RuntimeError: the computation blew up"
    logs = gf.cypher(
        "MATCH (l:Log {process_uuid: $u}) RETURN l.level AS level, l.message AS m ORDER BY l.time",
        u=node.uuid,
    )
    assert logs[0] == {"level": "REPORT", "m": "about to fail"}
    assert logs[1]["level"] == "ERROR"
    assert "Traceback" in logs[1]["m"]
    assert "blew up" in logs[1]["m"]
    assert node.checkpoint is None


def test_workfunction_returning_a_new_node_is_refused() -> None:
    @gf.workfunction
    def makes_data(x):
        return gf.Int(x.value + 1)

    with pytest.raises(LinkRuleError, match="a workflow can only return data that already exists"):
        makes_data(gf.Int(1))


def test_calcfunction_returning_a_non_node_is_refused() -> None:
    @gf.calcfunction
    def returns_int(x):
        return 5

    with pytest.raises(ProcessError, match=r"returns_int returned a builtins\.int"):
        returns_int(gf.Int(1))


def test_calculation_cannot_call() -> None:
    @gf.calcfunction
    def outer(x):
        return add(x, x)

    with pytest.raises(LinkRuleError, match="a calculation never calls"):
        outer(gf.Int(1))


def test_bad_inputs_leave_nothing_behind() -> None:
    before = gf.cypher("MATCH (p:CalcFunction {process_label: 'add'}) RETURN count(p) AS n")[0]["n"]
    with socket.socket() as sock, pytest.raises(PortValidationError) as info:
        add(gf.Int(1), sock)
    assert "b: got socket.socket" in str(info.value)
    with pytest.raises(PortValidationError, match="a: required value was not given"):
        add(b=gf.Int(1))  # a is missing
    with pytest.raises(ProcessError, match="unexpected keyword argument 'c'"):
        add(gf.Int(1), gf.Int(2), c=gf.Int(3))
    after = gf.cypher("MATCH (p:CalcFunction {process_label: 'add'}) RETURN count(p) AS n")[0]["n"]
    assert after == before


def test_unintrospectable_signature_is_refused() -> None:
    with pytest.raises(ProcessError, match="cannot be introspected"):
        gf.calcfunction(int)  # a builtin type without a signature


def test_metadata_lands_on_the_node() -> None:
    _, node = add.run_get_node(
        gf.Int(1), gf.Int(1), metadata={"label": "tagged", "description": "why"}
    )
    loaded = gf.load_node(node.pk)
    assert (loaded.label, loaded.description) == ("tagged", "why")
    assert "metadata" not in loaded.inputs


def test_store_provenance_false_stores_nothing() -> None:
    result, node = add.run_get_node(gf.Int(1), gf.Int(1), metadata={"store_provenance": False})
    assert result.value == 2
    assert not node.is_stored
    assert not result.is_stored


def test_run_works_from_inside_a_process_function() -> None:
    @gf.workfunction
    def outer(x):
        return gf.run(add, a=x, b=x)

    assert outer(gf.Int(4)).value == 8


def test_process_function_attributes() -> None:
    assert add.is_process_function
    assert add.exit_codes.ERROR_UNSPECIFIED.status == 1


def test_a_variadic_label_clashing_with_a_declared_argument_is_refused() -> None:
    # AiiDA labels the extra positional values args_0, args_1, ...: here that would
    # silently replace the declared args_0 in the provenance
    @gf.calcfunction
    def clash(args_0, *args):
        return args_0 + 0

    before = gf.cypher("MATCH (p:CalcFunction {process_label: 'clash'}) RETURN count(p) AS n")
    with pytest.raises(ProcessError, match=r"clash: variadic argument 0 would get the label "):
        clash(gf.Int(1), gf.Int(2))
    after = gf.cypher("MATCH (p:CalcFunction {process_label: 'clash'}) RETURN count(p) AS n")
    assert after == before
    assert clash(gf.Int(5)).value == 5  # without the extra value it runs


def test_a_keyword_clashing_with_a_variadic_label_is_refused() -> None:
    @gf.calcfunction
    def open_ended(*values, **extra):
        return sum(values, gf.Int(0))

    with pytest.raises(ProcessError, match=r"'values_0'"):
        open_ended(gf.Int(1), values_0=gf.Int(2))


def test_a_keyword_that_is_no_link_label_is_refused_before_anything_is_stored() -> None:
    """The compatibility trial found the inputs and a process stuck in 'created' stored
    before the label was refused; AiiDA stores nothing."""

    @gf.calcfunction
    def takes_any(x, **extra):
        return x + 0

    before = gf.cypher("MATCH (n:Node) RETURN count(n) AS n")
    with pytest.raises(ValueError, match=r"link label 'bad-name' .* is not valid"):
        takes_any(gf.Int(1), **{"bad-name": gf.Int(2)})
    assert gf.cypher("MATCH (n:Node) RETURN count(n) AS n") == before


def test_a_calcfunction_creating_one_node_under_two_labels_is_refused() -> None:
    @gf.calcfunction
    def twice(x):
        made = gf.Int(x.value + 1)
        return {"first": made, "second": made}

    with pytest.raises(LinkRuleError, match=r"twice.*'first' and 'second'.*one CREATE link"):
        twice(gf.Int(1))
    rows = gf.cypher(
        "MATCH (p:CalcFunction {process_label: 'twice'})-[l:CREATE]->(d) RETURN count(l) AS n"
    )
    assert rows[0]["n"] == 0


def test_a_workfunction_may_return_one_node_under_two_labels() -> None:
    @gf.workfunction
    def both(x):
        return {"first": x, "second": x}

    result, node = both.run_get_node(gf.Int(3))
    assert node.is_finished_ok
    assert result["first"].uuid == result["second"].uuid == node.inputs.x.uuid


def test_a_plain_default_is_the_recorded_input_and_what_the_body_gets() -> None:
    got: dict[str, Any] = {}

    @gf.calcfunction
    def scaled(x, factor=2, *, offset=0.5):
        got.update(factor=factor, offset=offset)
        return gf.Float(x.value * factor.value + offset.value)

    result, node = scaled.run_get_node(gf.Int(3))

    assert result.value == 6.5
    assert isinstance(got["factor"], gf.Int)
    assert isinstance(got["offset"], gf.Float)
    assert node.inputs.factor.uuid == got["factor"].uuid  # the very node recorded
    assert node.inputs.offset.uuid == got["offset"].uuid
    assert scaled(gf.Int(1), 3, offset=gf.Float(0.0)).value == 3.0


def test_a_lambda_default_makes_a_new_node_per_call() -> None:
    @gf.calcfunction
    def add_one(x, one=lambda: gf.Int(1)):
        return gf.Int(x.value + one.value)

    first, node1 = add_one.run_get_node(gf.Int(1))
    second, node2 = add_one.run_get_node(gf.Int(2))

    assert (first.value, second.value) == (2, 3)
    assert node1.inputs.one.value == node2.inputs.one.value == 1
    assert node1.inputs.one.uuid != node2.inputs.one.uuid


def test_defaults_keep_their_places_before_variadic_values() -> None:
    @gf.calcfunction
    def gather(first, second=10, *rest):
        return gf.Int(first.value + second.value + sum(r.value for r in rest))

    assert gather(gf.Int(1)).value == 11
    assert gather(gf.Int(1), gf.Int(2), gf.Int(3), gf.Int(4)).value == 10


@gf.calcfunction
def weighted(x: gf.Int, weight: gf.Int = 2) -> gf.Int:
    return gf.Int(x.value * weight.value)


class ExposesAFunction(gf.WorkChain):
    @classmethod
    def define(cls, spec: Any) -> None:
        super().define(spec)
        spec.expose_inputs(weighted, namespace="weigh")
        spec.outline(cls.go)
        spec.output("result", valid_type=gf.Int)

    def go(self) -> None:
        self.out("result", weighted(**self.exposed_inputs(weighted, namespace="weigh")))


def test_a_work_chain_exposes_a_process_functions_inputs() -> None:
    spec = weighted.spec()
    assert set(spec.inputs) >= {"x", "weight"}
    assert not spec.inputs["weight"].required

    result, node = gf.run_get_node(ExposesAFunction, weigh={"x": gf.Int(4), "weight": gf.Int(3)})

    assert node.is_finished_ok, node.exit_message
    assert result["result"].value == 12
    assert (node.inputs.weigh.x.value, node.inputs.weigh.weight.value) == (4, 3)


def test_a_process_functions_node_is_labelled_with_its_name() -> None:
    _, node = weighted.run_get_node(gf.Int(1))
    assert node.label == "weighted"
    _, named = weighted.run_get_node(gf.Int(1), metadata={"label": "mine"})
    assert named.label == "mine"


def test_nested_keyword_dicts_of_nodes_are_input_namespaces() -> None:
    got: dict[str, Any] = {}

    @gf.calcfunction
    def collect(**inputs):
        got.update(inputs)
        return gf.Int(inputs["group"]["a"].value + inputs["group"]["deeper"]["b"].value)

    result, node = collect.run_get_node(
        group={"a": gf.Int(1), "deeper": {"b": gf.Int(2)}}, plain={"k": 1}
    )

    assert result.value == 3
    assert isinstance(got["plain"], gf.Dict)  # no node inside: a Dict, as before
    labels = {
        r["label"]
        for r in gf.cypher(
            "MATCH (d)-[l:INPUT]->(:Node {uuid: $u}) RETURN l.label AS label", u=node.uuid
        )
    }
    assert labels == {"group__a", "group__deeper__b", "plain"}
    assert node.inputs.group.deeper.b.value == 2


def test_dotted_output_keys_are_namespaces() -> None:
    @gf.calcfunction
    def dotted(x):
        return {"nested.output": gf.Int(x.value + 1), "top": gf.Int(0)}

    result, node = dotted.run_get_node(gf.Int(1))

    assert result["nested"]["output"].value == 2
    assert node.outputs.nested.output.value == 2


def test_arguments_after_a_none_default_keep_their_places() -> None:
    got: list[Any] = []

    @gf.calcfunction
    def places(a, b=None, c=5, *, d=None):
        got.append((b, c.value, d))
        return a + c

    assert places(gf.Int(1)).value == 6
    assert places(gf.Int(1), c=gf.Int(7)).value == 8
    assert places(gf.Int(1), None, gf.Int(2), d=gf.Int(4)).value == 3
    assert [(b, c) for b, c, _ in got] == [(None, 5), (None, 7), (None, 2)]
    assert got[2][2].value == 4


def test_an_output_given_twice_through_a_dotted_key_is_refused() -> None:
    @gf.calcfunction
    def twice_over(x):
        return {"a.b": gf.Int(1), "a": gf.Int(2)}

    with pytest.raises(ProcessError, match="output 'a' is given twice"):
        twice_over(gf.Int(1))


def test_run_with_a_node_for_inputs_says_how_to_pass_arguments_by_position() -> None:
    with pytest.raises(ProcessError, match=r"not as a Int; to pass arguments by position call"):
        gf.run_get_node(weighted, gf.Int(5))  # type: ignore[arg-type]


def test_data_knows_the_calculation_that_created_it() -> None:
    """AiiDA's ``Data.creator``: the calculation with the CREATE link, else None."""

    @gf.calcfunction
    def plus_one(x):
        return x + 1

    result, calc = plus_one.run_get_node(gf.Int(1))
    assert result.creator is not None
    assert result.creator.pk == calc.pk
    assert gf.load_node(result.pk).creator.pk == calc.pk
    assert gf.load_node(calc.inputs.x.pk).creator is None  # stored as an input only
    assert gf.Int(5).creator is None  # not stored
