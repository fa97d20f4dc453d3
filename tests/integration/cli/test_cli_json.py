"""`--json` / `--format json|csv` on the verbs that print tables: stable keys (listed in
the README), errors as JSON with a non-zero status, and the `verdi process list` filters."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from click.testing import CliRunner

import graphflow as gf
from graphflow.cli._root import cli, main

pytestmark = pytest.mark.usefixtures("backend")

NODE_KEYS = {"pk", "uuid", "type", "label", "ctime", "mtime"}
PROCESS_KEYS = NODE_KEYS | {
    "process_label",
    "process_state",
    "paused",
    "exit_status",
    "exit_message",
}


@gf.calcfunction
def third(x: gf.Int) -> gf.Int:
    gf.report(f"thirding {x.value}")
    return gf.Int(x.value // 3)


@gf.calcfunction
def refuse_odd(x: gf.Int) -> Any:
    if x.value % 2:
        return gf.ExitCode(418, "odd")
    return gf.Int(x.value)


@gf.workfunction
def third_twice(x: gf.Int) -> gf.Int:
    return third(third(x))


def as_json(*args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # stdout alone: notes to the user go to stderr


def test_process_list_show_status_report_as_json() -> None:
    result, node = third_twice.run_get_node(gf.Int(90))
    listed = as_json("process", "list", "-a", "-L", "third_twice", "-l", "5")
    assert listed[0]["pk"] == node.pk
    assert set(listed[0]) == PROCESS_KEYS
    assert listed[0]["process_state"] == "finished"
    assert listed[0]["exit_status"] == 0
    (shown,) = as_json("process", "show", str(node.pk))
    assert set(shown) >= PROCESS_KEYS
    assert {"inputs", "outputs", "caller", "called", "attributes", "extras"} <= set(shown)
    assert shown["inputs"][0]["link_label"] == "x"
    assert shown["outputs"][0]["node"]["pk"] == result.pk
    assert [c["link_type"] for c in shown["called"]] == ["CALL", "CALL"]
    (tree,) = as_json("process", "status", str(node.pk))
    assert [child["process_label"] for child in tree["called"]] == ["third", "third"]
    (first, _) = node.called
    (logged,) = as_json("process", "report", str(first.pk))
    assert logged["records"][0]["message"] == "thirding 90"
    assert logged["records"][0]["level"] == "REPORT"


def test_process_list_filters_as_verdi() -> None:
    _, failed = refuse_odd.run_get_node(gf.Int(3))
    _, fine = refuse_odd.run_get_node(gf.Int(4))
    failing = {p["pk"] for p in as_json("process", "list", "--failed", "-l", "1000")}
    assert failed.pk in failing
    assert fine.pk not in failing
    by_status = as_json("process", "list", "-E", "418", "-L", "refuse_odd", "-l", "1000")
    assert {p["pk"] for p in by_status} >= {failed.pk}
    assert all(p["exit_status"] == 418 for p in by_status)
    by_pk = as_json("process", "list", "-a", "-O", "pk", "-l", "3")
    assert [p["pk"] for p in by_pk] == sorted((p["pk"] for p in by_pk), reverse=True)


def test_csv_has_a_header_and_one_row_per_process() -> None:
    _, node = third.run_get_node(gf.Int(9))
    out = CliRunner().invoke(cli, ["process", "list", "-a", "-L", "third", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert node.pk in {int(row["pk"]) for row in rows}
    assert set(rows[0]) == PROCESS_KEYS


def test_node_status_profile_computer_code_as_json() -> None:
    stored = gf.Dict({"energy": -1.5}).store()
    (shown,) = as_json("node", "show", str(stored.pk))
    assert shown["attributes"] == {"energy": -1.5}
    assert set(shown) >= NODE_KEYS
    status = as_json("status")
    assert status["store"]["state"] == "running"
    assert status["store"]["nodes"] >= 1
    assert status["profile"]["name"] == "default"
    assert any(p["name"] == "default" and p["default"] for p in as_json("profile", "list"))
    assert as_json("profile", "show")["name"] == "default"
    computer = gf.Computer(f"json-{stored.pk}", hostname="localhost").store()
    code = gf.Code(label="sh", computer=computer, executable="/bin/sh").store()
    assert computer.label in {c["label"] for c in as_json("computer", "list")}
    assert as_json("computer", "show", computer.label)["scheduler"] == "core.direct"
    assert code.pk in {c["pk"] for c in as_json("code", "list")}
    assert as_json("code", "show", str(code.pk))["executable"] == "/bin/sh"


def test_a_failing_command_asked_for_json_answers_json(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["node", "show", "99999999", "--json"])
    assert exited.value.code == 1
    error = json.loads(capsys.readouterr().out)["error"]
    assert error == {"type": "NotExistentError", "message": "no node with pk 99999999"}
    with pytest.raises(SystemExit) as exited:
        main(["process", "list", "--json", "--format", "csv"])
    assert exited.value.code == 2  # a usage error
    assert json.loads(capsys.readouterr().out)["error"]["type"] == "usage"
