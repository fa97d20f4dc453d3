"""What may come next at the end of the text: kinds of completion, from text alone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphflow.shell._analysis import Kind, analyse, bound_variables
from graphflow.shell._lexer import tokenize
from graphflow.shell.commands import GRAMMAR

LONG_QUERIES = [
    """MATCH (result:Int {pk: $pk})<-[:CREATE]-(calc:CalcFunction)<-[in:INPUT]-(x:Data)
OPTIONAL MATCH (w:Workflow)-[r:RETURN|CALL]->(result)
WHERE calc.process_state = 'finished' AND x.value > 1.5e3 // a comment; with ;
  AND NOT (x:Str) AND w.label STARTS WITH "work;flow"
WITH result, calc, collect(DISTINCT x.pk) AS inputs, count(*) AS n
UNWIND inputs AS input
CALL db.labels() YIELD label
RETURN result.value, calc.process_label, input, n, label, [i IN inputs WHERE i > 2 | i * 2]
ORDER BY n DESC SKIP 1 LIMIT 10;
MATCH p = shortestPath((a:Node {pk: 1})-[:INPUT|CREATE*..100]->(b:`Odd Label`))
RETURN p, nodes(p), {key: a.uuid, `quoted key`: b.pk} AS m;""",
    """:param limit => {a: [1, 2.5, 'x;y'], b: null}
:ancestors 8 --depth 2 --links data
MATCH (n)-[l]->(m) WHERE n.pk IN $ids AND type(l) = 'CREATE' RETURN n, l, m;
:export /tmp/out.csv --format csv
\\x""",
    """MERGE (a:Tmp {name: 'x'}) ON CREATE SET a.created = datetime()
FOREACH (v IN [1, 2] | SET a.v = v)
WITH a CALL { WITH a MATCH (a)-[*1..3]-(z) RETURN count(z) AS c } RETURN a.name, c""",
]


@pytest.mark.parametrize("query", LONG_QUERIES)
def test_every_prefix_of_long_queries_analyses_without_error(query: str) -> None:
    for end in range(len(query) + 1):
        prefix = query[:end]
        analysis = analyse(prefix, GRAMMAR)
        assert prefix.endswith(analysis.word), (prefix, analysis)
        for suggestion in analysis.suggestions:
            assert isinstance(suggestion.kind, Kind)


@given(st.text(max_size=120))
def test_any_text_analyses_without_error(text: str) -> None:
    analysis = analyse(text, GRAMMAR)
    assert text.endswith(analysis.word)


def kinds(text: str) -> set[Kind]:
    return analyse(text, GRAMMAR).kinds


def test_the_right_kinds_are_offered_at_points_of_a_long_query() -> None:
    query = LONG_QUERIES[0]

    def at(marker: str, occurrence: int = 0) -> set[Kind]:
        index = -1
        for _ in range(occurrence + 1):
            index = query.index(marker, index + 1)
        return kinds(query[: index + len(marker)])

    assert at("(result:") == {Kind.LABEL}
    assert at("<-[:") == {Kind.RELATIONSHIP_TYPE}
    assert at("[r:RETURN|") == {Kind.RELATIONSHIP_TYPE}
    assert at("WHERE calc.") == {Kind.PROPERTY}
    assert at("{pk: $") == {Kind.PARAMETER}
    assert at("AND NOT (x:") == {Kind.LABEL}
    assert at("WITH ") == {Kind.VARIABLE, Kind.FUNCTION, Kind.KEYWORD}
    assert at("AS ") == set()  # a new name is chosen
    assert at("(a:Node {") == {Kind.PROPERTY}
    assert at("(b:`Odd") == {Kind.LABEL}
    assert at("RETURN result.") == {Kind.PROPERTY}
    assert at("CALL db.") == {Kind.FUNCTION}
    assert at("'finished") == set()  # inside a string
    assert at("// a comment") == set()
    assert at("1.5e3") == set()  # a number
    assert at("ORDER BY n DESC SKIP 1 LIMIT 10;\n") == {Kind.CLAUSE}


@pytest.mark.parametrize(
    ("text", "word", "kind"),
    [
        ("MA", "MA", Kind.CLAUSE),
        ("MATCH (n:Pro", "Pro", Kind.LABEL),
        ("MATCH (n:`My La", "`My La", Kind.LABEL),
        ("MATCH (n:A&", "", Kind.LABEL),
        ("MATCH (n) WHERE n:", "", Kind.LABEL),
        ("MATCH (a)-[r:CR", "CR", Kind.RELATIONSHIP_TYPE),
        ("MATCH (a)<-[:INPUT|CR", "CR", Kind.RELATIONSHIP_TYPE),
        ("RETURN $na", "na", Kind.PARAMETER),
        ("MATCH (n:Int {va", "va", Kind.PROPERTY),
        ("MATCH (n) RETURN {a: n.", "", Kind.PROPERTY),
        ("MATCH (n) RETURN (n).", "", Kind.PROPERTY),
        ("MATCH (", "", Kind.VARIABLE),
        (":an", ":an", Kind.COMMAND),
        ("RETURN 1;\n:he", ":he", Kind.COMMAND),
        (":ancestors ", "", Kind.PK),
        (":ancestors 1", "1", Kind.PK),
        (":ancestors 8 --links l", "l", Kind.CHOICE),
        (":ancestors 8 --", "--", Kind.CHOICE),
        (":path 1 ", "", Kind.PK),
        (":help an", "an", Kind.COMMAND),
        (":source ~/q", "~/q", Kind.FILE),
        (":export out.csv --format ", "", Kind.CHOICE),
        (":format j", "j", Kind.CHOICE),
        (":param li", "li", Kind.PARAMETER),
        (":tree 4; MA", "MA", Kind.CLAUSE),
    ],
)
def test_kind_and_word_at_the_end_of_text(text: str, word: str, kind: Kind) -> None:
    analysis = analyse(text, GRAMMAR)
    assert analysis.word == word
    assert kind in analysis.kinds


def test_command_arguments_offer_options_after_positionals_and_values_after_options() -> None:
    links = analyse(":ancestors 8 --links ", GRAMMAR).suggestions[0]
    assert links.choices == ("data", "logic", "all")
    after = analyse(":tree 4 ", GRAMMAR)
    assert after.suggestions == ()  # one pk only
    options = analyse(":ancestors 8 ", GRAMMAR).suggestions[0]
    assert options.kind is Kind.CHOICE
    assert set(options.choices) == {"--depth", "--links"}
    assert analyse(":ancestors 8 --depth ", GRAMMAR).suggestions == ()
    assert analyse(":nonsense ", GRAMMAR).suggestions == ()


def test_property_suggestions_carry_the_labels_of_the_variable() -> None:
    text = "MATCH (p:Process:CalcFunction)-[l:CREATE]->(d) WHERE d:Int AND p."
    [suggestion] = analyse(text, GRAMMAR).suggestions
    assert suggestion.labels == {"Process", "CalcFunction"}
    [on_link] = analyse(text[:-2] + "l.", GRAMMAR).suggestions
    assert on_link.labels == {"CREATE"}
    [on_d] = analyse(text[:-2] + "d.", GRAMMAR).suggestions
    assert on_d.labels == {"Int"}


def test_bound_variables_in_order_with_labels() -> None:
    text = (
        "MATCH p = (a:Int)-[r:INPUT]->(b) WITH a, count(b) AS c UNWIND [1] AS x "
        "CALL db.labels() YIELD label, other RETURN [y IN range(1, 2) | y]"
    )
    found = bound_variables(tokenize(text))
    assert list(found) == ["p", "a", "r", "b", "c", "x", "label", "other", "y"]
    assert found["a"] == {"Int"}
    assert found["r"] == {"INPUT"}
    assert "count" not in found
    variables = analyse("MATCH (a)-->(b) RETURN ", GRAMMAR).suggestions[0].variables
    assert variables == ("a", "b")
