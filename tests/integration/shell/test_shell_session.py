"""The interactive shell in a pseudo-terminal on the real store: what a user types, sees.

Multi-line Cypher and tables, completion from the live graph, read-only refusal and
``:write on``, lineage commands on the README's workflow, errors that keep the session,
Ctrl-C, the editor, the pager and the row limit, history search.
"""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING

import pytest

import graphflow as gf

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Shell, Workflow

pytestmark = pytest.mark.usefixtures("backend")


def csv_rows(output: str) -> list[dict[str, str]]:
    """The CSV table in ``output`` (printed with :format csv), header line first."""
    lines = output.strip().splitlines()
    # the header: names and commas only (the toolbar's "1,923 nodes" must not be taken)
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r"\w+(,\w+)+", line.strip()))
    end = next(i for i in range(start, len(lines)) if re.match(r"^\d[\d,]* rows? ", lines[i]))
    return list(csv.DictReader(io.StringIO("\n".join(lines[start:end]))))


def test_multi_line_statement_runs_at_its_semicolon_and_shows_a_table(
    shell: type[Shell], workflow: Workflow
) -> None:
    session = shell()
    session.run(f":param pk => {workflow.result}", until=rf"\$pk = {workflow.result}")
    session.type("MATCH (n:Int)\r")
    session.expect(r"\.\.\.> ")  # Enter without ; starts a new line
    session.type("WHERE n.pk = $pk\r")
    out = session.run("RETURN n.value AS value, n AS node;", until=r"1 row in \d+ ms")
    lines = [line.strip() for line in out.splitlines()]
    header = lines.index("value   node")  # the table: header, rule, one row
    assert lines[header + 2] == f"9       (Int pk={workflow.result} value=9)"
    # several statements in one input run in order; a command can follow them
    out = session.run("RETURN 1 AS first; RETURN 2 AS second; :params", until=r"\$pk")
    headers = [line.strip() for line in out.splitlines() if line.strip() in ("first", "second")]
    assert headers == ["first", "second"]
    session.close()


def test_completion_offers_labels_types_keys_and_pks_from_the_live_graph(
    shell: type[Shell], workflow: Workflow
) -> None:
    session = shell()
    session.run(f":param {{a: {workflow.add}, m: {workflow.multiply}}}", until=r"\$m")
    session.run(":refresh", until="completions refreshed")
    session.complete("MATCH (p:Proc", "Process", "label")
    session.complete(")-[:CRE", "CREATE", "relationship type")
    session.complete(
        "]->(d) WHERE p.pk IN [$a, $m] RETURN p.process_l", "process_label", "property"
    )
    out = session.run(" AS who, d.pk AS made ORDER BY made;", until=r"2 rows in \d+ ms")
    rows = [line.split() for line in out.splitlines() if line.strip().startswith(("add", "mul"))]
    assert rows == [["add", str(workflow.sum)], ["multiply", str(workflow.result)]]
    # a lineage command offers the newest pks, with what they are
    session.type(":ancestors ")
    session.expect_menu(str(workflow.workflow), "WorkFunction add_multiply finished")
    session.close()


def test_a_write_is_refused_until_write_mode_is_confirmed(shell: type[Shell]) -> None:
    session = shell()
    out = session.run("CREATE (n:ShellTestTmp {x: 1});", until=":write on")
    assert "refused: the write clause CREATE would change the graph" in out
    session.type(":write on\r")
    session.expect(re.escape("Allow writes? [y/N]"))
    session.child.send("n\r")
    session.expect("still read-only")
    assert not session.expect_prompt()  # the prompt does not say WRITE
    session.child.send(":write on\r")
    session.expect(re.escape("Allow writes? [y/N]"))
    session.child.send("y\r")
    session.expect(r"graphflow\(WRITE\)> ")
    session.expect(" WRITE ")  # the toolbar says so too
    out = session.run("CREATE (n:ShellTestTmp {x: 41}) RETURN n.x + 1 AS y;", until="1 row")
    assert "42" in out
    assert gf.cypher("MATCH (n:ShellTestTmp) RETURN n.x AS x") == [{"x": 41}]
    # the write refreshed completion in the background: the new label is offered
    session.complete("MATCH (n:ShellTest", "ShellTestTmp", "label")
    session.run(") DELETE n;", until="0 rows")
    session.run(":write off", until="read-only")
    out = session.run("MATCH (n:Int) SET n.value = 0;", until=":write on")
    assert "refused: the write clause SET" in out
    assert gf.cypher("MATCH (n:ShellTestTmp) RETURN n") == []
    session.close()


def test_lineage_commands_on_the_workflow_result(shell: type[Shell], workflow: Workflow) -> None:
    session = shell()
    session.run(":format csv", until="format: csv")
    rows = csv_rows(session.run(f":ancestors {workflow.result}", until=r"rows in \d+ ms"))
    expected = {workflow.multiply, workflow.sum, workflow.z, workflow.add, workflow.x, workflow.y}
    assert {int(row["pk"]) for row in rows} == expected
    assert {int(row["pk"]): int(row["depth"]) for row in rows}[workflow.x] == 4
    rows = csv_rows(
        session.run(f":ancestors {workflow.result} --links logic", until=r"rows? in \d+ ms")
    )
    assert {int(row["pk"]) for row in rows} == {
        workflow.workflow,
        workflow.x,
        workflow.y,
        workflow.z,
    }
    rows = csv_rows(session.run(f":descendants {workflow.x} --depth 2", until=r"rows in"))
    assert {int(row["pk"]) for row in rows} == {workflow.add, workflow.workflow, workflow.sum}
    rows = csv_rows(session.run(f":path {workflow.x} {workflow.result}", until=r"rows in"))
    path = [workflow.x, workflow.add, workflow.sum, workflow.multiply, workflow.result]
    assert [int(row["pk"]) for row in rows] == path
    assert [row["link"] for row in rows][1:3] == ["-[INPUT a]->", "-[CREATE result]->"]
    rows = csv_rows(session.run(f":path {workflow.result} {workflow.x}", until=r"rows in"))
    assert [int(row["pk"]) for row in rows] == path[::-1]  # upstream, said so in the title
    rows = csv_rows(session.run(f":path {workflow.x} {workflow.x}", until=r"rows? in"))
    assert [int(row["pk"]) for row in rows] == [workflow.x]  # Neo4j's shortestPath refuses
    label = f"shell-{workflow.workflow}"
    gf.Group(label=label).store().add_nodes(
        [gf.load_node(workflow.result), gf.load_node(workflow.x)]
    )
    rows = csv_rows(session.run(f":group {label}", until=r"rows in"))
    assert [int(row["pk"]) for row in rows] == sorted([workflow.x, workflow.result])
    session.run(":format table", until="format: table")
    out = session.run(f":tree {workflow.workflow}", until=f"multiply <{workflow.multiply}>")
    assert f"add_multiply <{workflow.workflow}> finished" in out
    assert f"add <{workflow.add}> finished" in out
    out = session.run(f":show {workflow.result}", until="incoming")
    assert f"Int {workflow.result}" in out
    assert "CREATE" in out
    assert f"{workflow.multiply}" in out
    session.run(f":report {workflow.workflow}", until="add_multiply")
    session.close()


def test_bad_input_gets_a_clear_error_and_the_session_keeps_its_state(
    shell: type[Shell], workflow: Workflow
) -> None:
    session = shell()
    session.run(":param x => 41", until=r"\$x = 41")
    session.type("MATCH (n\r")
    out = session.run("RETURN n;", until=r"\^")
    assert "Syntax error" in out or "Invalid input" in out
    quoted, caret = out.splitlines()[-2:]
    # the statement's line, marked below (by graphflow, or by Neo4j in its own message)
    assert quoted in ("  MATCH (n", "  RETURN n", '"RETURN n"')
    assert caret.strip() == "^"
    out = session.run("RETURN $x + 1 AS y;", until="1 row")
    assert "42" in out
    session.run(f":ancestor {workflow.x}", until=re.escape("did you mean :ancestors?"))
    session.run(":show 987654321", until="no node with pk 987654321")
    not_a_process = rf"node {workflow.result} \(Int\) is not a process"
    session.run(f":tree {workflow.result}", until=not_a_process)
    out = session.run(f":ancestors {workflow.x} --depth zero", until="usage: :ancestors PK")
    assert "--depth must be a positive integer, not 'zero'" in out
    session.run(":param y => toUpper('a')", until=r"cannot read .* as a value")
    session.close()


def test_ctrl_c_cancels_a_running_query_and_the_shell_goes_on(shell: type[Shell]) -> None:
    session = shell()
    # the command prints first, so the prompt has returned when the statement runs
    session.type(":limit 3; UNWIND range(1, 5000000) AS i WITH i WHERE i < 0 RETURN count(i);\r")
    session.expect("showing at most 3 rows")
    session.child.sendintr()
    out = session.expect("cancelled")
    assert "count(i)" not in out.split("showing at most 3 rows")[-1]
    session.expect_prompt()
    assert "1 row" in session.run("RETURN 'still here' AS state;", until="1 row")
    session.close()


def test_backslash_e_opens_the_statement_in_the_editor(shell: type[Shell]) -> None:
    session = shell(env={"EDITOR": "sed -i s/41/42/", "VISUAL": ""})
    session.type("RETURN 41 AS answer \\e\r")
    session.expect_drawn("RETURN 42 AS answer")  # back at the prompt, edited, not run yet
    out = session.run(";", until="1 row")
    assert re.search(r"^42\s*$", out, re.MULTILINE), out
    session.close()


def test_long_output_goes_through_the_pager_and_the_row_limit_cuts(shell: type[Shell]) -> None:
    session = shell(env={"PAGER": "head -n 4"})
    session.run(":limit 0", until="showing all rows")
    out = session.run("UNWIND range(1, 300) AS i RETURN i;", until=r"\n2\s*\n")
    numbers = [line.strip() for line in out.splitlines() if line.strip().isdigit()]
    assert numbers == ["1", "2"]  # header, rule, 2 rows: head ended the page
    session.run(":limit 5", until="at most 5 rows")
    out = session.run("UNWIND range(1, 50) AS i RETURN i;", until="50 rows, showing the first 5")
    assert [line.strip() for line in out.splitlines() if line.strip().isdigit()][-1] == "5"
    session.close()


def test_history_is_kept_in_the_profile_and_ctrl_r_finds_it(
    shell: type[Shell], graphflow_home: Path
) -> None:
    first = shell()
    first.run("RETURN 'needle in history' AS found;", until="1 row")
    first.close()
    history = graphflow_home / "profiles" / "default" / "shell_history"
    assert "RETURN 'needle in history' AS found;" in history.read_text()
    second = shell()
    second.child.sendcontrol("r")
    second.type("needle in")
    second.expect_drawn("needle in history")
    second.type("\r")  # accept what the search found
    out = second.run("", until="1 row")
    assert "needle in history" in out
    # fish-style: the rest of a remembered statement is suggested; → takes it
    second.type("RETURN 'needle")
    second.expect_drawn(" in history' AS found;")
    out = second.run("\x1b[C", until="1 row")
    assert "needle in history" in out
    second.close()
