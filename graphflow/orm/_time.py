"""The one clock of node timestamps (``ctime``, ``mtime``): aware datetimes in UTC."""

from __future__ import annotations

import datetime

__all__ = ["utc_now"]


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)
