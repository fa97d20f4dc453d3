"""``%load_ext graphflow``: register the ``%cypher`` / ``%%cypher`` magic in IPython."""

from __future__ import annotations

from typing import Any

from graphflow.lineage._magic import CypherMagic

__all__ = ["load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """Register the magic on ``ipython`` (an ``InteractiveShell``); loading twice is harmless."""
    ipython.register_magic_function(
        CypherMagic(ipython), magic_kind="line_cell", magic_name="cypher"
    )


def unload_ipython_extension(ipython: Any) -> None:
    """Remove the magic again (``%unload_ext graphflow``)."""
    magics = ipython.magics_manager.magics
    for kind in ("line", "cell"):
        magics[kind].pop("cypher", None)
