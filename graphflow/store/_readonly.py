"""Recognise Cypher that would write, before it reaches a server: a fast first answer.

What makes users' statements read-only is the server: Neo4j refuses writes in read
transactions, and on the embedded ArcadeDB they run as a user that may only read
(:mod:`graphflow.store._reader_user`). This check answers before a round trip, naming
the clause. It is lexical: string literals and comments are blanked out, write clauses
are looked for as whole words outside back-quoted names, and a procedure is allowed
only if it is on the list of read-only ones, however its name is quoted, spaced or
cased (``CALL `do`.`when`(...)`` is ``do.when``). It errs on the side of refusing.
"""

from __future__ import annotations

import re

__all__ = ["find_write_clause", "strip_literals"]

_WRITE_WORDS = (
    "CREATE",
    "INSERT",  # GQL's CREATE, which Neo4j 5.18+ accepts
    "MERGE",
    "DELETE",
    "DETACH",
    "SET",
    "REMOVE",
    "DROP",
    "FOREACH",
    "LOAD",
    "ALTER",
    "RENAME",
    "GRANT",
    "DENY",
    "REVOKE",
    "TERMINATE",
)
_WRITE = re.compile(r"\b(" + "|".join(_WRITE_WORDS) + r")\b", re.IGNORECASE)
_IN_TRANSACTIONS = re.compile(r"\bIN\s+(\d+\s+)?(CONCURRENT\s+)?TRANSACTIONS\b", re.IGNORECASE)
# a dotted name after CALL: plain or back-quoted parts, with spaces around the dots
_NAME_PART = r"(?:[A-Za-z_][\w$]*|`(?:[^`]|``)*`)"
_PROCEDURE = re.compile(
    r"\bCALL\b\s*(" + _NAME_PART + r"(?:\s*\.\s*" + _NAME_PART + r")*)", re.IGNORECASE
)
_READ_PROCEDURES = frozenset(
    {
        "db.labels",
        "db.relationshiptypes",
        "db.propertykeys",
        "db.schema.visualization",
        "db.indexes",
        "db.constraints",
    }
)


def strip_literals(text: str, *, keep_names: bool = False) -> str:
    """Blank out string literals, comments and (unless ``keep_names``) back-quoted
    names, keeping offsets."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in ("'", '"', "`"):
            quote = ch
            if quote == "`" and keep_names:
                j = i + 1
                while j < n and not (text[j] == "`" and not text.startswith("``", j)):
                    j += 2 if text.startswith("``", j) else 1
                out.append(text[i : j + 1])
                i = j + 1
                continue
            j = i + 1
            while j < n:
                if text[j] == "\\" and quote != "`":
                    j += 2
                    continue
                if text[j] == quote:
                    if quote == "`" and j + 1 < n and text[j + 1] == "`":
                        j += 2
                        continue
                    break
                j += 1
            end = min(j + 1, n)
            out.append(quote + " " * max(0, end - i - 2) + (quote if end - i >= 2 else ""))
            i = end
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def find_write_clause(text: str) -> str | None:
    """The first write clause in ``text`` (upper-cased), or None if it only reads."""
    code = strip_literals(text)
    for match in _WRITE.finditer(code):
        before = code[: match.start()].rstrip()[-1:]
        after = code[match.end() :].lstrip()[:1]
        # n.set, (n:Create), [:INPUT|CREATE] and {merge: 1} are properties, labels,
        # relationship types and map keys, not clauses
        if before in (".", ":", "|", "&", "!") or after == ":":
            continue
        word = match.group(1).upper()
        return "DETACH DELETE" if word == "DETACH" else word
    if _IN_TRANSACTIONS.search(code):
        return "CALL { ... } IN TRANSACTIONS"
    named = strip_literals(text, keep_names=True)
    for proc in _PROCEDURE.finditer(named):
        if named[: proc.start()].rstrip()[-1:] in (".", ":"):
            continue  # n.call, (:Call): a property or a label
        name = _procedure_name(proc.group(1))
        if name.lower() not in _READ_PROCEDURES:
            return f"CALL {name}"
    return None


def _procedure_name(spelled: str) -> str:
    """``db . `labels``` as ``db.labels``: the name the server resolves."""
    parts = re.findall(_NAME_PART, spelled)
    return ".".join(p[1:-1].replace("``", "`") if p.startswith("`") else p for p in parts)
