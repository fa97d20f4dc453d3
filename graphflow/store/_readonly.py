"""Recognise Cypher that would write, before it reaches a server.

Neo4j refuses writes inside read transactions, but not every Bolt server does (ArcadeDB
runs them), so statements typed by users are checked here first. The check is lexical:
string literals, comments and back-quoted names are blanked out, then write clauses and
procedure calls are looked for as whole words. It errs on the side of refusing.
"""

from __future__ import annotations

import re

__all__ = ["find_write_clause", "strip_literals"]

_WRITE_WORDS = (
    "CREATE",
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
# procedure calls other than read-only introspection (CALL db.labels() and friends)
_PROCEDURE = re.compile(r"\bCALL\s+([A-Za-z_][\w.]*)\s*\(", re.IGNORECASE)
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


def strip_literals(text: str) -> str:
    """Blank out string literals, comments and back-quoted names, keeping offsets."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in ("'", '"', "`"):
            quote = ch
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
    for proc in _PROCEDURE.finditer(code):
        name = proc.group(1)
        if name.lower() not in _READ_PROCEDURES:
            return f"CALL {name}"
    return None
