"""The packages of the ``jupyter`` extra, imported where a notebook feature needs them.

``pip install graphflow`` leaves pandas and pyvis out; a user who reaches for a DataFrame
or an interactive graph is told which extra to install instead of meeting a bare
``ModuleNotFoundError`` from deep inside graphflow.
"""

from __future__ import annotations

import importlib
from typing import Any

from graphflow.errors import MissingExtraError

__all__ = ["jupyter_module"]


def jupyter_module(name: str, feature: str) -> Any:
    """``import name``, or an error that says how to install it for ``feature``."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise MissingExtraError(
            f"{feature} needs the {name.split('.')[0]!r} package, which comes with graphflow's "
            "jupyter extra: pip install 'graphflow[jupyter]' (from a checkout: "
            "pip install '.[jupyter]')"
        ) from exc
