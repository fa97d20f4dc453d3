"""BaseRestartWorkChain with process handlers, as AiiDA's ``aiida.engine`` has it: handlers
matched by exit status in order of priority, restarts with changed inputs, the unhandled
failure rule, max_iterations, handler_overrides and the exit codes 301/302/401/402."""

from __future__ import annotations

from typing import Any

import pytest

import graphflow as gf
from graphflow import BaseRestartWorkChain, ProcessHandlerReport, process_handler

pytestmark = pytest.mark.usefixtures("backend")


@gf.calcfunction
def double(x: gf.Int) -> gf.Int:
    return gf.Int(2 * x.value)


class Flaky(gf.WorkChain):
    """Fails with 300 while x < 3, with 310 for x == 13, excepts for x == 99."""

    @classmethod
    def define(cls, spec: gf.ProcessSpec) -> None:
        super().define(spec)
        spec.input("x", valid_type=gf.Int)
        spec.input("settings", valid_type=gf.Dict, required=False)
        spec.output("result", valid_type=gf.Int)
        spec.exit_code(300, "ERROR_TOO_SMALL", "x is too small")
        spec.exit_code(310, "ERROR_UNLUCKY", "x is unlucky")
        spec.outline(cls.go)

    def go(self) -> Any:
        x = self.inputs.x.value
        if x == 99:
            raise RuntimeError("ninety-nine")
        if x == 13:
            return self.exit_codes.ERROR_UNLUCKY
        if x < 3:
            return self.exit_codes.ERROR_TOO_SMALL
        self.out("result", double(self.inputs.x))
        return None


class RestartFlaky(BaseRestartWorkChain):
    _process_class = Flaky

    @classmethod
    def define(cls, spec: gf.ProcessSpec) -> None:
        super().define(spec)
        spec.expose_inputs(Flaky)
        spec.expose_outputs(Flaky)
        spec.exit_code(500, "ERROR_UNLUCKY_FOR_GOOD", "x stayed unlucky")
        spec.outline(
            cls.setup,
            gf.while_(cls.should_run_process)(cls.run_process, cls.inspect_process),
            cls.results,
        )

    def setup(self) -> None:
        super().setup()
        self.ctx.inputs = self.exposed_inputs(Flaky)

    @process_handler(priority=100, exit_codes=Flaky.exit_codes.ERROR_TOO_SMALL)
    def raise_x(self, node: gf.Node) -> ProcessHandlerReport:
        self.ctx.inputs.x = node.inputs["x"].value + 1  # a plain value: wrapped on submit
        self.ctx.inputs.settings = {"raised": True}  # a plain dict for a Dict port
        self.report(f"raised x to {self.ctx.inputs.x}")
        return ProcessHandlerReport()

    @process_handler(priority=50, exit_codes=[Flaky.exit_codes.ERROR_UNLUCKY])
    def give_up_when_unlucky(self, node: gf.Node) -> ProcessHandlerReport:
        return ProcessHandlerReport(True, self.exit_codes.ERROR_UNLUCKY_FOR_GOOD)

    @process_handler(priority=10, enabled=False)
    def opt_in_observer(self, node: gf.Node) -> None:
        self.report(f"observed exit status {node.exit_status}")


def _reports(node: gf.Node) -> list[str]:
    rows = gf.cypher(
        "MATCH (l:Log {process_uuid: $u}) RETURN l.message AS m ORDER BY l.time", u=node.uuid
    )
    return [row["m"] for row in rows]


def test_a_handler_changes_the_inputs_until_the_child_succeeds() -> None:
    result, node = gf.run_get_node(RestartFlaky, x=gf.Int(1))
    assert node.is_finished_ok, node.exit_message
    assert result["result"].value == 6  # x was raised to 3
    children = node.called
    assert [c.exit_status for c in children] == [300, 300, 0]
    assert [c.inputs["x"].value for c in children] == [1, 2, 3]
    assert children[-1].inputs["settings"].get_dict() == {"raised": True}
    reports = _reports(node)
    assert any("launching Flaky" in r and "iteration #3" in r for r in reports)
    assert "raised x to 2" in reports
    assert any("failed but a handler dealt with the problem, restarting" in r for r in reports)
    assert "remote folders will not be cleaned" in reports
    labels = gf.cypher(
        "MATCH (:WorkChain {uuid: $u})-[c:CALL]->(child) RETURN c.label AS label ORDER BY label",
        u=node.uuid,
    )
    assert [row["label"] for row in labels] == ["iteration_01", "iteration_02", "iteration_03"]
    assert "work chain completed after 3 iterations" in reports
    assert node.outputs["result"].value == 6


def test_max_iterations_ends_with_401() -> None:
    _, node = gf.run_get_node(RestartFlaky, x=gf.Int(-5), max_iterations=gf.Int(2))
    assert node.exit_status == 401
    assert len(node.called) == 2
    assert any("maximum number of iterations 2" in r for r in _reports(node))


def test_a_handler_can_stop_the_work_chain_with_its_own_exit_code() -> None:
    _, node = gf.run_get_node(RestartFlaky, x=gf.Int(13))
    assert node.exit_status == 500
    assert len(node.called) == 1
    assert any("detected an unrecoverable problem, aborting" in r for r in _reports(node))


def test_an_unhandled_failure_aborts_with_402_as_in_aiida_2_9() -> None:
    overrides = gf.Dict({"give_up_when_unlucky": False})
    _, node = gf.run_get_node(RestartFlaky, x=gf.Int(13), handler_overrides=overrides)
    assert node.exit_status == 402
    assert node.exit_message == "The process failed with an unhandled failure."
    assert [c.exit_status for c in node.called] == [310]
    assert any("error was not handled, aborting" in r for r in _reports(node))


def test_restart_once_retries_an_unhandled_failure_then_402() -> None:
    overrides = gf.Dict({"give_up_when_unlucky": False})
    _, node = gf.run_get_node(
        RestartFlaky,
        x=gf.Int(13),
        handler_overrides=overrides,
        on_unhandled_failure=gf.Str("restart_once"),
    )
    assert node.exit_status == 402
    assert [c.exit_status for c in node.called] == [310, 310]
    reports = _reports(node)
    assert any("error was not handled, restarting once more" in r for r in reports)
    assert any("not handled for the second consecutive time, aborting" in r for r in reports)
    with pytest.raises(ValueError, match=r"on_unhandled_failure.*must be one of abort"):
        gf.run(RestartFlaky, x=gf.Int(3), on_unhandled_failure=gf.Str("pause"))


def test_overrides_enable_a_handler_and_change_priorities() -> None:
    overrides = gf.Dict({"opt_in_observer": {"enabled": True, "priority": 1000}, "raise_x": True})
    _, node = gf.run_get_node(RestartFlaky, x=gf.Int(2), handler_overrides=overrides)
    assert node.is_finished_ok
    reports = _reports(node)
    observed = reports.index("observed exit status 300")
    assert observed < reports.index("raised x to 3")  # it ran first, by its new priority


def test_an_excepted_child_ends_the_work_chain_with_301() -> None:
    _, node = gf.run_get_node(RestartFlaky, x=gf.Int(99))
    assert node.exit_status == 301
    assert node.called[0].is_excepted


class BrokenHandler(RestartFlaky):
    @process_handler(priority=1000)
    def crash(self, node: gf.Node) -> None:
        raise KeyError("no such thing")


def test_a_handler_that_raises_excepts_the_work_chain_naming_it() -> None:
    with pytest.raises(gf.GraphflowError, match="process handler crash raised KeyError"):
        gf.run(BrokenHandler, x=gf.Int(3))
    node = gf.cypher(
        "MATCH (p:WorkChain {process_label: 'BrokenHandler'}) RETURN p ORDER BY p.pk DESC LIMIT 1"
    )[0]["p"]
    assert node.is_excepted
    assert "process handler crash raised KeyError" in node.exit_message


def test_bad_overrides_are_refused_before_anything_runs() -> None:
    with pytest.raises(ValueError, match=r"handler_overrides.*'enabled' must be a bool"):
        gf.run(RestartFlaky, x=gf.Int(3), handler_overrides=gf.Dict({"raise_x": {"enabled": 1}}))
    with pytest.raises(ValueError, match="'nope' is not a process handler of RestartFlaky"):
        gf.run(RestartFlaky, x=gf.Int(3), handler_overrides=gf.Dict({"nope": True}))


def test_process_handler_checks_its_arguments() -> None:
    with pytest.raises(TypeError, match="priority must be an int"):
        process_handler(priority="high")(lambda self, node: None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="exit_codes must be an ExitCode"):
        process_handler(exit_codes=[300])(lambda self, node: None)  # type: ignore[list-item]
    assert RestartFlaky.is_process_handler("raise_x")
    assert not RestartFlaky.is_process_handler("setup")
    names = {h.__name__ for h in RestartFlaky.get_process_handlers()}
    assert names == {"raise_x", "give_up_when_unlucky", "opt_in_observer"}


def test_plain_values_are_inputs_as_in_aiida() -> None:
    """run(P, x=3) for an Int port: the value becomes the Int node, as AiiDA's default
    serializer makes it."""
    result, node = gf.run_get_node(RestartFlaky, x=3, max_iterations=2)
    assert node.is_finished_ok
    assert result["result"].value == 6
    assert node.inputs["x"].value == 3
    assert node.inputs["max_iterations"].value == 2


class Inner(gf.WorkChain):
    @classmethod
    def define(cls, spec: gf.ProcessSpec) -> None:
        super().define(spec)
        spec.input("a", valid_type=gf.Int)
        spec.input("factor", valid_type=gf.Int, required=False)
        spec.outline(cls.go)

    def go(self) -> None:
        pass


class PassesMetadata(gf.WorkChain):
    @classmethod
    def define(cls, spec: gf.ProcessSpec) -> None:
        super().define(spec)
        spec.expose_inputs(Inner, namespace="first", exclude=("factor",))
        spec.outline(cls.go)

    def go(self) -> None:
        self.to_context(child=self.submit(Inner, **self.exposed_inputs(Inner, "first")))


def test_an_exposed_namespace_carries_the_childs_metadata_as_in_aiida() -> None:
    """``pw.metadata.options``: a child's label or options are given through the parent."""
    _, node = gf.run_get_node(
        PassesMetadata, first={"a": gf.Int(5), "metadata": {"label": "via parent"}}
    )
    assert node.is_finished_ok
    assert [child.label for child in node.called] == ["via parent"]
    assert "metadata" in PassesMetadata.spec().inputs["first"]
    assert "factor" not in PassesMetadata.spec().inputs["first"]
