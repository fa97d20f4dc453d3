"""asyncssh, imported without the warnings that cryptography 51 and later give about it.

cryptography 51 deprecated DSA, and asyncssh (2.24) names the DSA key classes in its
module-level annotations, so its import printed five ``CryptographyDeprecationWarning``
lines on stderr, in every graphflow command that imports the SSH transport, and in the
output of commands whose stderr scripts read. They are addressed to asyncssh's
maintainers, not to graphflow's users: only those warnings, and only from asyncssh's own
modules, are silenced, and only while it is imported.
"""

from __future__ import annotations

import warnings

from cryptography.utils import CryptographyDeprecationWarning

with warnings.catch_warnings():
    warnings.filterwarnings(
        "ignore", category=CryptographyDeprecationWarning, module=r"asyncssh(\.|$)"
    )
    import asyncssh

__all__ = ["asyncssh"]
