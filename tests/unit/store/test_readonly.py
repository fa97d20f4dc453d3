"""The read-only text check: an allow-list over the statement's tokens, answered before
the statement reaches a server (which enforces read-only itself)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphflow.store import find_write_clause, is_write, refusal


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("CREATE (n:X)", "CREATE"),
        ("insert (n:X {a: 1})", "INSERT"),
        ("match (n) detach delete n", "DETACH DELETE"),
        ("MATCH (n) SET n.x = 1", "SET"),
        ("MERGE (n:X {a: 1})", "MERGE"),
        ("MATCH (n) REMOVE n:X", "REMOVE"),
        ("DROP INDEX x", "DROP"),
        ("LOAD CSV FROM 'file:///x' AS row RETURN row", "LOAD CSV"),
        ("MATCH (n) FOREACH (x IN [1] | SET n.a = x)", "FOREACH"),
        ("CALL apoc.create.node(['X'], {})", "CALL apoc.create.node"),
        (
            "MATCH (n) CALL { WITH n RETURN n } IN TRANSACTIONS RETURN n",
            "CALL { ... } IN TRANSACTIONS",
        ),
    ],
)
def test_write_clauses_are_found(text: str, clause: str) -> None:
    assert find_write_clause(text) == clause


@pytest.mark.parametrize(
    "text",
    [
        "MATCH (n:Node) RETURN n",
        "MATCH (n) WHERE n.label = 'CREATE something' RETURN n",
        "MATCH (n) // DELETE n\nRETURN n",
        "MATCH (n) /* SET n.x = 1 */ RETURN n",
        "MATCH (n) RETURN n.set, n.`merge`",
        "MATCH (n:Create) RETURN n",
        "MATCH (n)<-[:INPUT|CREATE*]-(a) RETURN a",
        "MATCH (n:Data&!Delete) RETURN n",
        "RETURN {delete: 1} AS m",
        "CALL db.labels()",
        'MATCH (n) WHERE n.description = "he said \\"DELETE\\"" RETURN n',
    ],
)
def test_reads_are_allowed(text: str) -> None:
    assert find_write_clause(text) is None


@given(st.text())
def test_never_crashes(text: str) -> None:
    result = find_write_clause(text)
    assert result is None or isinstance(result, str)


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        # a write after anything that ends an expression, wherever it stands
        ("WITH * CREATE (n)", "CREATE"),
        ("MATCH (n) RETURN n ORDER BY n.x DESC CREATE (m)", "CREATE"),
        ("MATCH (a) RETURN a LIMIT 1 UNION CREATE (n) RETURN 1 AS a", "CREATE"),
        ("MATCH (m) CALL (m) { SET m.x = 1 } RETURN 1", "SET"),
        ("MATCH (n) WHERE EXISTS { MATCH (n) DELETE n } RETURN n", "DELETE"),
        ("RETURN CASE WHEN true THEN 1 END CREATE (n)", "CREATE"),
        ("MATCH (n) RETURN n; CREATE (m)", "CREATE"),
        ("CRE/**/ATE (n)", "CRE"),
        # names spelled like keywords end an expression too: a clause may follow them
        ("WITH 1 AS where CREATE (n)", "CREATE"),
        ("MATCH (n) WHERE n.where CREATE (m)", "CREATE"),
        ("MATCH (where) WITH where CREATE (m)", "CREATE"),
        ("MATCH (n)-[:R|WHERE]->(m) SET m.x = 1", "SET"),
        ("MATCH (n) WHERE true DELETE n", "DELETE"),
        # procedures by the name the server resolves, however spelled
        ("CALL `do` . `when`(true, 'x', {})", "CALL do.when"),
        ("call /* c */ Db.CreateLabel('X')", "CALL Db.CreateLabel"),
        ("CALL `db.labels`.x()", "CALL db.labels.x"),
        # what the check does not know is never taken for a read
        ("MATCH (n) RETRUN n", "RETRUN"),
        ("CYPHER 5 CREATE (n)", "CREATE"),
        # text that is not Cypher
        ("RETURN 'abc", "an unterminated string at offset 7"),
        ("RETURN `abc", "an unterminated name at offset 7"),
        ("MATCH (n)) RETURN n", "an unbalanced ')'"),
        ("MATCH (n RETURN n", "an unclosed '('"),
    ],
)
def test_what_is_not_on_the_allow_list_is_named(text: str, clause: str) -> None:
    assert find_write_clause(text) == clause
    # writes are refused at once; what is not Cypher goes to the read-only server, whose
    # error says where it is wrong
    assert is_write(clause) == (clause.split()[0] in ("CREATE", "SET", "DELETE", "CALL"))


@pytest.mark.parametrize(
    "text",
    [
        "WITH 1 AS set RETURN set",
        "MATCH (n) RETURN DISTINCT n.set AS where ORDER BY where",
        "RETURN count(DISTINCT 1) AS c",
        "MATCH p = ALL SHORTEST (a)-->+(b) RETURN p",
        "MATCH (n) WHERE n.a STARTS WITH prefix AND NOT n.b ENDS WITH suffix RETURN n",
        "RETURN count(*) AS c",
        "MATCH (n) RETURN * ORDER BY n.ctime",
        "MATCH (n) RETURN n {.name, create: 1, x}",
        "RETURN CASE WHEN true THEN {a: 1} ELSE {b: 2} END AS v",
        "RETURN [x IN range(1, 3) WHERE x > 1 | x * 2] AS l",
        "MATCH p = SHORTEST 1 (a)-->+(b) RETURN p",
        "CYPHER 5 MATCH (n) RETURN n",
        "SHOW INDEXES YIELD name RETURN name",
        "MATCH (n) WHERE n.x IS :: INTEGER NOT NULL RETURN n",
        "RETURN datetime({year: 2020}) AS d, 0x1F AS h, 1.5e3 AS f",
        "MATCH (n)-[r:R*1..3]->(m) WHERE COUNT { (m)-->() } > 1 RETURN r",
        "UNWIND $xs AS x WITH x ORDER BY x DESC SKIP 1 LIMIT 2 RETURN collect(x) AS xs",
        "MATCH (n) WHERE n.a STARTS WITH 'x' AND NOT n.b ENDS WITH 'y' RETURN n",
        "OPTIONAL MATCH (n) CALL db.labels() YIELD label RETURN label",
        "EXPLAIN MATCH (n) RETURN n",
    ],
)
def test_reads_of_every_shape_are_allowed(text: str) -> None:
    assert find_write_clause(text) is None


@pytest.mark.parametrize(
    ("clause", "sentence"),
    [
        ("DETACH DELETE", "the write clause DETACH DELETE would change the graph"),
        ("LOAD CSV", "LOAD CSV reads files on the store server's machine, not the graph"),
        ("CALL do.when", "CALL do.when is not a procedure graphflow knows to only read"),
        (
            "CALL { ... } IN TRANSACTIONS",
            "CALL { ... } IN TRANSACTIONS commits on its own, so it is a write",
        ),
    ],
)
def test_a_refusal_says_why(clause: str, sentence: str) -> None:
    assert refusal(clause) == sentence
