"""Importing the neo4j driver without its optional numpy, pandas and pyarrow support.

The driver imports those three at import time when they are installed (for
``Result.to_df()`` and vector values, which graphflow never uses): 0.2-0.3 s of a
command that otherwise takes half a second. They are hidden only while the driver itself
is imported, so anything imported afterwards (graphflow's own modules, user code) gets
them as usual; modules already imported are left alone.
"""

from __future__ import annotations

import sys

__all__ = ["import_driver"]


def import_driver() -> None:
    """Import ``neo4j`` (once) the fast way."""
    if "neo4j" in sys.modules:
        return
    hidden = [name for name in ("numpy", "pandas", "pyarrow") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` fail
    try:
        import neo4j  # noqa: F401  # the import being sped up
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
