"""Where this user's graphflow data lives, found without importing anything heavy.

Kept apart from :mod:`graphflow.config`, which imports much more, for code that needs
only this.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["graphflow_home"]


def graphflow_home() -> Path:
    """The root of every profile, config file and embedded database of this user."""
    raw = os.environ.get("GRAPHFLOW_HOME")
    return Path(raw).expanduser().resolve() if raw else Path.home() / ".graphflow"
