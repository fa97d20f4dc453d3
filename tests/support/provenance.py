"""Comparing provenance between runs, without pks or uuids (which always differ)."""

from __future__ import annotations

import graphflow as gf

__all__ = ["fingerprint"]


def fingerprint(uuid: str) -> list[tuple]:  # type: ignore[type-arg]
    """Every process called under ``uuid`` (itself included), with its state, exit status,
    inputs and outputs by label and value: equal fingerprints mean equal provenance, and a
    step written twice shows up as an extra process or output."""
    rows = gf.cypher(
        """
        MATCH (root:Process {uuid: $uuid})-[:CALL*0..]->(p:Process)
        OPTIONAL MATCH (p)<-[i:INPUT]-(inp:Node)
        WITH p, collect([i.label, inp.value]) AS inputs
        OPTIONAL MATCH (p)-[o:CREATE|RETURN]->(out:Node)
        RETURN p.process_label AS label, p.process_state AS state, p.exit_status AS status,
               inputs, collect([type(o), o.label, out.value]) AS outputs
        """,
        uuid=uuid,
    )
    return sorted(
        (
            r["label"],
            r["state"],
            r["status"],
            tuple(sorted(map(tuple, r["inputs"]))),
            tuple(sorted(map(tuple, r["outputs"]))),
        )
        for r in rows
    )
