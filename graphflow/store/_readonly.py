"""Recognise Cypher that only reads, before it reaches a server: a fast first answer.

What makes users' statements read-only is the server: Neo4j refuses writes in read
transactions, and on the embedded ArcadeDB they run as a user that may only read
(:mod:`graphflow.store._reader_user`). This check answers before a round trip, naming
what it refuses.

It is an allow-list over a tokenised statement, not a search for bad words. String
literals, comments, parameters, back-quoted names, properties (``n.set``), labels and
relationship types (``:Create``) and map keys (``{delete: 1}``) are never keywords.
Every other word where a clause or a keyword must stand (at the start, after a
subquery's ``{``, after ``UNION``, after anything that ends an expression) has to be on
:data:`READ_KEYWORDS`, and a procedure after ``CALL`` on :data:`READ_PROCEDURES`,
however its name is quoted, spaced or cased (``CALL `do` . `when`(...)`` is
``do.when``). A write can only begin where a clause begins, so anything the check does
not know is never taken for a read.

What the check finds falls in two kinds (:func:`is_write`). A write clause or a
procedure not known to only read is refused at once. Anything else it does not know (a
typo such as ``RETRUN``, an unclosed bracket, syntax newer than this list) goes to the
server in a read-only transaction, whose own error says what is wrong and where, and
which runs a read the list does not know yet without letting it write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["READ_KEYWORDS", "READ_PROCEDURES", "find_write_clause", "is_write", "refusal"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: words that may stand where a clause or keyword must, in a statement that only reads
READ_KEYWORDS = _words(
    """
    ACYCLIC ALL AND ANY AS ASC ASCENDING BUILTIN BY CALL CASE COLLECT CONSTRAINT
    CONSTRAINTS CONTAINS COUNT CYPHER DATABASE DATABASES DEFINED DESC DESCENDING
    DIFFERENT DISTINCT ELEMENT ELEMENTS ELSE END ENDS EXIST EXISTS EXPLAIN FALSE FILTER
    FINISH FULLTEXT FUNCTION FUNCTIONS GROUPS IN INDEX INDEXES IS KEY LET LIMIT LOOKUP
    MATCH NEXT NODES NORMALIZED NOT NULL OFFSET OPTIONAL OR ORDER PATH PATHS POINT
    PROCEDURE PROCEDURES PROFILE RANGE RELATIONSHIP RELATIONSHIPS REPEATABLE RETURN
    SETTING SETTINGS SHORTEST SHOW SKIP STARTS TEXT THEN TRAIL TRANSACTION TRANSACTIONS
    TRUE UNION UNIQUE UNWIND USE USER VECTOR WALK WHEN WHERE WITH XOR YIELD
    """
)

#: procedures known to only read (lower-cased, as the servers resolve them)
READ_PROCEDURES = frozenset(
    {
        "db.labels",
        "db.relationshiptypes",
        "db.propertykeys",
        "db.schema.visualization",
        "db.schema.nodetypeproperties",
        "db.schema.reltypeproperties",
        "db.indexes",
        "db.constraints",
        "db.info",
        "dbms.components",
    }
)

#: after these keywords an operand follows (a name, a value, an expression), never a clause
_OPERAND_KEYWORDS = _words(
    """
    AND ANY AS BY CASE CONTAINS CYPHER DISTINCT ELSE ENDS FILTER IN IS LET LIMIT MATCH
    NOT OFFSET OR RETURN SHORTEST SKIP STARTS THEN UNWIND USE WHEN WHERE WITH XOR YIELD
    """
)
#: after these, an operand follows too: operators and openings
_OPERAND_PUNCTUATION = _words("+ - / % ^ = <> != < > <= >= =~ += , ( [ { | & ! . : :: .. -> <- *")
#: keywords that begin an operand where one stands; any other word there is a name
_PREFIX_KEYWORDS = _words(
    "DISTINCT NOT CASE WHEN EXISTS COUNT COLLECT ALL ANY NONE SINGLE SHORTEST"
)
#: after these, a word is a property, a label or a relationship type
_NAME_MARKS = frozenset([".", ":", "::", "|", "&", "!"])
#: after these keywords a ``*`` is "everything" (RETURN *), not a multiplication
_STAR_TAKERS = frozenset(["WITH", "RETURN", "DISTINCT", "YIELD", "(", ","])
#: write clauses of two words, named in full in a refusal
_WRITE_PAIRS = {"DETACH": "DELETE", "LOAD": "CSV"}
#: write clauses, only to say in a refusal what they would do (the check allows, it
#: does not look for these)
_KNOWN_WRITES = _words(
    "ALTER CREATE DELETE DENY DETACH DROP FOREACH GRANT INSERT LOAD MERGE REMOVE RENAME "
    "REVOKE SET TERMINATE"
)

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>`(?:[^`]|``)*`)
  | (?P<param>\$(?:[^\W\d]\w*|\d+|`(?:[^`]|``)*`))
  | (?P<number>0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|(?:\d[\d_]*)?\.?\d[\d_]*(?:[eE][+-]?\d+)?)
  | (?P<word>[^\W\d]\w*)
  | (?P<punct>\.\.|<>|!=|<=|>=|=~|\+=|->|<-|::|[^\s\w'"`$])
  | (?P<open>['"`$]|/\*)
    """,
    re.DOTALL | re.VERBOSE,
)
_PAIRS = {")": "(", "]": "[", "}": "{"}
#: before these, a ``{`` opens a subquery, whose first word starts a clause
_OPENERS = frozenset(["CALL", "EXISTS", "COUNT", "COLLECT", ")", "THEN", "ELSE"])


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str

    @property
    def upper(self) -> str:
        return self.text.upper()


def _tokens(text: str) -> list[_Token] | str:
    """The statement's tokens without spaces and comments, or why it cannot be read."""
    out: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:  # pragma: no cover - the last alternative takes any character
            return f"the character {text[pos]!r} at offset {pos}"
        kind = match.lastgroup or ""
        if kind == "open":
            return f"an unterminated {_UNTERMINATED[match.group()]} at offset {pos}"
        if kind not in ("space", "comment"):
            out.append(_Token(kind, match.group()))
        pos = match.end()
    return out


_UNTERMINATED = {"'": "string", '"': "string", "`": "name", "$": "parameter", "/*": "comment"}


def find_write_clause(text: str) -> str | None:
    """What keeps ``text`` from being a statement that only reads, or None if it reads.

    The answer names the clause, keyword or procedure (``CREATE``, ``DETACH DELETE``,
    ``CALL apoc.create.node``, ``CALL { ... } IN TRANSACTIONS``, a word as spelled), or
    says what makes the text unreadable (an unterminated string, an unbalanced bracket).
    """
    tokens = _tokens(text)
    if isinstance(tokens, str):
        return tokens
    open_brackets: list[str] = []
    previous: _Token | None = None  # None: a clause starts here
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.text in ("(", "[", "{") and token.kind == "punct":
            subquery = token.text == "{" and (previous is None or previous.upper in _OPENERS)
            open_brackets.append(token.text)
            previous = None if subquery else token
        elif token.text in _PAIRS and token.kind == "punct":
            if not open_brackets or open_brackets.pop() != _PAIRS[token.text]:
                return f"an unbalanced {token.text!r}"
            previous = token
        elif token.text == ";" and token.kind == "punct":
            previous = None  # another statement
        elif token.text == "*" and previous is not None and previous.upper in _STAR_TAKERS:
            previous = _Token("star", "*")  # RETURN *: the item list ends here
        elif token.kind == "word" and _is_keyword_place(previous, tokens[i + 1 : i + 2]):
            word = token.upper
            if word not in READ_KEYWORDS:
                if word in _KNOWN_WRITES:
                    pair = _WRITE_PAIRS.get(word)
                    if pair is not None and [t.upper for t in tokens[i + 1 : i + 2]] == [pair]:
                        return f"{word} {pair}"
                    return word
                return token.text
            if word == "CALL":
                procedure, after = _procedure_after(tokens, i + 1)
                if procedure is not None and procedure.lower() not in READ_PROCEDURES:
                    return f"CALL {procedure}"
                previous, i = tokens[after - 1], after
                continue
            if word == "IN" and _in_transactions(tokens, i + 1):
                return "CALL { ... } IN TRANSACTIONS"
            previous = token
        elif token.kind == "word":
            previous = token if _continues_operand(previous, token) else _Token("name", token.text)
        else:
            previous = token
        i += 1
    if open_brackets:
        return f"an unclosed {open_brackets[-1]!r}"
    return None


def _continues_operand(previous: _Token | None, token: _Token) -> bool:
    """Whether a word where an operand stands is a keyword that begins one (``DISTINCT``,
    ``NOT``, ``CASE``, ``COUNT {``, ``STARTS WITH``), rather than a name: a variable, an
    alias, a property or a label, however it is spelled (``AS where``, ``n.create``),
    after which a clause may begin."""
    word = token.upper
    if previous is not None and previous.upper in ("STARTS", "ENDS") and word == "WITH":
        return True
    after_name = previous is not None and (previous.text in _NAME_MARKS or previous.upper == "AS")
    return word in _PREFIX_KEYWORDS and not after_name


def _is_keyword_place(previous: _Token | None, following: list[_Token]) -> bool:
    """Whether a word stands where only a keyword may: not an operand, a property, a
    label, a relationship type or a map key."""
    if previous is None:
        return not (following and following[0].text == ":")  # {key: value}
    if previous.kind == "word":
        return previous.upper not in _OPERAND_KEYWORDS
    if previous.kind == "punct":
        return previous.text not in _OPERAND_PUNCTUATION
    return True  # after a name, a value, a star or a closing bracket: an expression ended


def _procedure_after(tokens: list[_Token], i: int) -> tuple[str | None, int]:
    """The dotted name a CALL names (None for a subquery), and where the scan goes on."""
    parts: list[str] = []
    while i < len(tokens) and tokens[i].kind in ("word", "name"):
        spelled = tokens[i].text
        parts.append(spelled[1:-1].replace("``", "`") if tokens[i].kind == "name" else spelled)
        i += 1
        if i < len(tokens) and tokens[i].text == ".":
            i += 1
            continue
        break
    return (".".join(parts) if parts else None), i


def _in_transactions(tokens: list[_Token], i: int) -> bool:
    """``IN [n] [CONCURRENT] TRANSACTIONS``: a subquery committed in batches of its own."""
    words = [t.upper for t in tokens[i : i + 3]]
    while words and (words[0] == "CONCURRENT" or words[0].isdigit()):
        words.pop(0)
    return bool(words) and words[0] == "TRANSACTIONS"


def is_write(clause: str) -> bool:
    """Whether what find_write_clause returned is a write to refuse at once (a write
    clause or a procedure), rather than text the check does not know as Cypher."""
    head = clause.split()[0]
    return head in _KNOWN_WRITES or head == "CALL"


def refusal(clause: str) -> str:
    """Why the text check refused a write, as a sentence (see :func:`is_write`)."""
    head = clause.split()[0]
    if clause.startswith("CALL {"):
        return "CALL { ... } IN TRANSACTIONS commits on its own, so it is a write"
    if head == "CALL":
        return f"{clause} is not a procedure graphflow knows to only read"
    if head == "LOAD":  # it reads, but files on the server's machine: not the graph
        return f"{clause} reads files on the store server's machine, not the graph"
    return f"the write clause {clause} would change the graph"
