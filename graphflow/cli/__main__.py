"""``python -m graphflow.cli``: the same as the ``graphflow`` command."""

from graphflow.cli import main

main()
