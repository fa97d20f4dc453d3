"""`graphflow process list|show|report|status` on processes the local runner ran."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

import graphflow as gf
from graphflow.cli._root import cli

pytestmark = pytest.mark.usefixtures("backend")


@gf.calcfunction
def halve(x: gf.Int) -> gf.Int:
    gf.report(f"halving {x.value}")
    return gf.Int(x.value // 2)


@gf.workfunction
def halve_twice(x: gf.Int) -> gf.Int:
    return halve(halve(x))


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def listed_pks(output: str) -> set[int]:
    return {int(m) for m in re.findall(r"^\s*(\d+)\s{2,}\S", output, re.MULTILINE)}


def test_list_defaults_to_active_processes_and_filters_by_state_and_limit() -> None:
    _, node = halve_twice.run_get_node(gf.Int(12))
    assert node.pk not in listed_pks(invoke("process", "list"))  # finished: not active
    everything = invoke("process", "list", "-a", "--limit", "1000")
    assert node.pk in listed_pks(everything)
    finished = invoke("process", "list", "--state", "finished", "--past-days", "1", "-l", "1000")
    assert node.pk in listed_pks(finished)
    assert node.pk not in listed_pks(invoke("process", "list", "--state", "excepted"))
    assert len(listed_pks(invoke("process", "list", "-a", "--limit", "2"))) == 2
    # JSON stays a list; that it was cut at the limit goes to stderr
    cut = CliRunner().invoke(cli, ["process", "list", "-a", "-l", "2", "--json"])
    assert len(json.loads(cut.stdout)) == 2
    assert "the newest 2 processes; -l N for more" in cut.stderr


def test_show_names_inputs_outputs_caller_and_called() -> None:
    result, node = halve_twice.run_get_node(gf.Int(40))
    output = invoke("process", "show", str(node.pk))
    assert "halve_twice" in output
    assert "finished" in output
    for title in ("inputs", "outputs", "called"):
        assert title in output, output
    assert str(result.pk) in output
    (first_child, _) = node.called
    child_output = invoke("process", "show", str(first_child.pk))
    assert "caller" in child_output
    assert str(node.pk) in child_output


def test_report_shows_each_record_with_a_timestamp() -> None:
    _, node = halve.run_get_node(gf.Int(9))
    output = invoke("process", "report", str(node.pk))
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[REPORT\] halving 9", output), output


def test_status_prints_the_call_tree_with_states() -> None:
    _, node = halve_twice.run_get_node(gf.Int(8))
    output = invoke("process", "status", str(node.pk))
    assert output.count("halve") >= 3, output  # the workfunction and both calculations
    assert "finished" in output


def test_an_unknown_pk_is_a_clear_error() -> None:
    result = CliRunner().invoke(cli, ["process", "show", "987654321"])
    assert result.exit_code != 0
    assert "no node with pk 987654321" in result.output + str(result.exception)
