"""The lineage shell: a prompt-toolkit workbench for Cypher, provenance and processes.

``graphflow shell`` starts it; :func:`run_shell` does the same from Python. One job per
module:

- text: ``_lexer`` (tokens), ``_splitter`` (statements and commands), ``_params``
  (``:param`` literals), ``_args`` (command arguments);
- completion: ``_analysis`` (what may come next, from text alone), ``_vocabulary``
  (keywords, functions), ``_completer`` (completions from graph metadata),
  ``_refresher`` (metadata fetched in the background);
- commands: ``commands`` (the table), with handlers in ``_settings``, ``_provenance``
  and ``_processes``;
- running: ``_execute`` (pieces in order, read-only unless asked), ``_watchdog`` (a lost
  store noticed in seconds), ``_session`` (the prompt loop), ``_keys``, ``_editor``,
  ``_context`` (what handlers may use), ``_app`` (start and stop);
- output: ``_render`` (results as text), ``graphflow.lineage._views`` (nodes, links, call trees),
  ``_output`` (console and pager).
"""

from graphflow.shell._app import ShellOptions, run_shell
from graphflow.shell._render import OutputFormat

__all__ = ["OutputFormat", "ShellOptions", "run_shell"]
