"""Importing the SSH transport writes nothing on stderr.

cryptography 51 deprecated DSA, and importing asyncssh 2.24 beside it printed five
``CryptographyDeprecationWarning`` lines, which reached the stderr of every command that
imports the transport (a served ``graphflow process list`` among them).
"""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_ssh_transport_prints_no_warnings() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import graphflow.transports._ssh"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr == ""
