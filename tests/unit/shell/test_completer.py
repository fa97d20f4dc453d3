"""Completions from one metadata snapshot: labels, types, keys, pks, commands, case."""

from __future__ import annotations

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from graphflow.shell._completer import CypherCompleter, Metadata, NodeHint
from graphflow.shell.commands import COMMANDS, GRAMMAR

METADATA = Metadata(
    labels=("CalcFunction", "Data", "Int", "My Label", "Node", "Process", "Str"),
    relationship_types=("CALL", "CREATE", "INPUT", "RETURN"),
    keys={
        "Process": ("exit_status", "pk", "process_label", "process_state"),
        "Int": ("pk", "value"),
        "Log": ("message", "process_uuid"),
        "CREATE": ("label",),
    },
    nodes=(NodeHint(12, "Int = 9"), NodeHint(11, "CalcFunction multiply finished")),
    node_count=12,
)


def complete(text: str, *, tab: bool = True, params: tuple[str, ...] = ()) -> list[str]:
    completer = CypherCompleter(
        METADATA,
        commands={name: command.help for name, command in COMMANDS.items()},
        grammar=GRAMMAR,
        parameters=lambda: params,
    )
    event = CompleteEvent(completion_requested=tab)
    return [c.text for c in completer.get_completions(Document(text), event)]


def test_labels_after_a_colon_in_a_node_pattern() -> None:
    assert complete("MATCH (n:Pro") == ["Process"]
    assert complete("MATCH (n:i") == ["Int"]  # any case
    assert "`My Label`" in complete("MATCH (n:")
    assert complete("MATCH (n:`My") == ["`My Label`"]


def test_relationship_types_after_a_colon_in_a_relationship_pattern() -> None:
    assert complete("MATCH (a)-[:CR") == ["CREATE"]
    # what starts with the word comes first, then what contains it
    assert complete("MATCH (a)<-[r:INPUT|RE") == ["RETURN", "CREATE"]


def test_property_keys_of_the_variables_labels_come_first() -> None:
    keys = complete("MATCH (p:Process) RETURN p.")
    assert keys[:4] == ["exit_status", "pk", "process_label", "process_state"]
    assert set(keys[4:]) == {"value", "message", "process_uuid", "label"}
    assert complete("MATCH (p:Process) RETURN p.process_s") == ["process_state"]
    assert complete("MATCH (n:Int) RETURN n.val") == ["value"]
    # two characters or more also match inside a key
    assert complete("MATCH (n) RETURN n.uuid") == ["process_uuid"]


def test_variables_functions_and_keywords_in_expressions() -> None:
    found = complete("MATCH (node)-->(other) RETURN co")
    assert found[:4] == ["coalesce", "collect", "cos", "count"]
    assert "contains" in found  # a lower-case word gets lower-case keywords
    assert complete("MATCH (node)-->(other) RETURN no")[:2] == ["node", "nodes"]
    assert complete("MATCH (n) RETURN db.la")[0] == "labels"
    assert complete("MATCH (n) RETURN db.pro") == ["propertyKeys"]


def test_keywords_follow_the_case_being_typed() -> None:
    assert "OPTIONAL MATCH" in complete("OPT")
    assert complete("opt") == ["optional match"]
    assert complete("MATCH (n) ORD") == ["ORDER BY"]


def test_no_menu_for_an_empty_word_unless_asked_except_after_a_trigger() -> None:
    assert complete("MATCH (n) RETURN ", tab=False) == []
    assert complete("MATCH (n) RETURN ", tab=True)[0] == "n"
    assert complete("MATCH (n:", tab=False)  # labels pop up after ':'
    assert complete(":ancestors ", tab=False) == ["12", "11"]


def test_pks_commands_choices_and_parameters() -> None:
    assert complete(":show 1") == ["12", "11"]
    assert complete(":ancestors 8 --links d") == ["data"]
    assert complete(":anc") == [":ancestors"]
    assert complete(":help de") == [":descendants"]
    assert complete("RETURN $l", params=("limit", "label")) == ["label", "limit"]
    assert complete(":format c") == ["csv"]


def test_completion_replaces_exactly_the_word_being_typed() -> None:
    completer = CypherCompleter(METADATA, commands={}, grammar=GRAMMAR, parameters=lambda: ())
    document = Document("MATCH (n:`My")
    [completion] = completer.get_completions(document, CompleteEvent(completion_requested=True))
    assert completion.start_position == -len("`My")
    assert completion.display_meta_text == "label"


def test_empty_metadata_offers_no_graph_words_and_does_not_fail() -> None:
    completer = CypherCompleter(Metadata(), commands={}, grammar=GRAMMAR, parameters=lambda: ())
    event = CompleteEvent(completion_requested=True)
    assert list(completer.get_completions(Document("MATCH (n:"), event)) == []
    assert list(completer.get_completions(Document("MATCH (n) RETURN n."), event)) == []
    assert list(completer.get_completions(Document(":show "), event)) == []
