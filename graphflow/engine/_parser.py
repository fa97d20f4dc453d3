"""Parsers: a finished job's retrieved files turned into output nodes or an exit code.

A parser is named by an entry point in ``graphflow.parsers`` (so a daemon worker on any
machine finds it) and chosen by the job's ``metadata.options.parser_name``. It runs on
graphflow's side, after the ``retrieve`` transport task, with no connection open. An
exception escaping ``parse`` excepts the job: a bug in a parser is the code's fault,
not the cluster's, and retrying would not help.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from graphflow.errors import PluginError, ProcessError
from graphflow.orm import Node
from graphflow.plugins import load_entry_point

if TYPE_CHECKING:
    from collections.abc import Callable

    from graphflow.engine._spec import ExitCode, ExitCodesNamespace
    from graphflow.orm import CalcJobNode, FolderData

__all__ = ["PARSER_GROUP", "Parser", "load_parser_class"]

PARSER_GROUP = "graphflow.parsers"


class Parser:
    """Subclass and implement :meth:`parse`; register the class under ``graphflow.parsers``.

    ``parse`` reads ``self.retrieved`` (a ``FolderData`` of the fetched files), records
    outputs with ``self.out(label, node)`` and returns ``None`` (success) or one of
    ``self.exit_codes`` (the job's exit codes, by label).
    """

    def __init__(
        self,
        node: CalcJobNode,
        retrieved: FolderData,
        exit_codes: ExitCodesNamespace,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.node = node
        self.retrieved = retrieved
        self.exit_codes = exit_codes
        self.logger = logging.getLogger(f"graphflow.parser.{type(self).__name__}")
        self._report = report
        self._outputs: dict[str, Node] = {}

    @property
    def job_exit_code(self) -> int | None:
        """The exit code of the job's command (``None``: the job left none)."""
        return self.node.job_exit_code

    @property
    def outputs(self) -> dict[str, Node]:
        return dict(self._outputs)

    def out(self, label: str, node: Node) -> None:
        """Record an output of the job (checked against its spec when parsing ends)."""
        if not isinstance(node, Node):
            raise ProcessError(
                f"{type(self).__name__}.out({label!r}): expected a node, got {type(node).__name__}"
            )
        self._outputs[label] = node

    def report(self, message: str) -> None:
        """A message kept in the job's log, like ``Process.report``."""
        if self._report is not None:
            self._report(message)
        else:
            self.logger.info(message)

    def parse(self, **kwargs: Any) -> ExitCode | None:
        raise NotImplementedError(f"{type(self).__name__} does not implement parse()")


def load_parser_class(name: str) -> type[Parser]:
    """The Parser class registered as ``name`` in ``graphflow.parsers``, or named by its
    import name ``package.module:Class`` (for parsers not packaged as plugins)."""
    if ":" in name:
        module_name, _, qualname = name.partition(":")
        try:
            found: Any = importlib.import_module(module_name)
            for part in qualname.split("."):
                found = getattr(found, part)
        except (ImportError, AttributeError) as exc:
            raise PluginError(f"cannot load parser {name!r}: {exc}") from exc
    else:
        found = load_entry_point(PARSER_GROUP, name)
    if not (isinstance(found, type) and issubclass(found, Parser)):
        raise PluginError(f"parser entry point {name!r} is {found!r}, not a Parser subclass")
    return found
