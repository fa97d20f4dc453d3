"""A real Neo4j 5.26 Community server for the suite's Neo4j pass.

``scripts/neo4j/install.sh`` fetches the server's jars from Maven Central into a cache
outside the repository; :class:`Neo4jServer` runs ``scripts/neo4j/Neo4jServer.java`` on
them with the machine's Java, on a free loopback port, with authentication on and the
``neo4j`` user's password set through the system database. It counts as started only
once a real query has answered over Bolt with that password.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

__all__ = ["Neo4jServer", "neo4j_lib"]

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "scripts" / "neo4j" / "Neo4jServer.java"
INSTALL = ROOT / "scripts" / "neo4j" / "install.sh"
START_TIMEOUT = 180.0  # a cold JVM compiling the launcher on a loaded 2-core machine
PASSWORD = "graphflow-suite"  # a throwaway server on loopback, removed after the session


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def neo4j_lib() -> Path:
    """The cached jars (``GRAPHFLOW_NEO4J_LIB``, or fetched now by the install script)."""
    given = os.environ.get("GRAPHFLOW_NEO4J_LIB")
    if given:
        return Path(given)
    done = subprocess.run(
        ["bash", str(INSTALL)], capture_output=True, text=True, timeout=900, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"scripts/neo4j/install.sh failed:\n{done.stderr}")
    return Path(done.stdout.strip().splitlines()[-1])


class Neo4jServer:
    """``start`` and ``stop`` one Neo4j server with its data in a temporary folder."""

    def __init__(self, lib: Path) -> None:
        self.lib = lib
        self.directory = Path(tempfile.mkdtemp(prefix="graphflow-neo4j-"))
        self.port = _free_port()
        self.password = PASSWORD
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    def start(self) -> None:
        secret = self.directory / "password"
        secret.write_text(self.password + "\n")
        secret.chmod(0o600)
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                [
                    "java",
                    "-Xmx1g",
                    "-cp",
                    f"{self.lib}/*",
                    str(LAUNCHER),
                    str(self.directory / "data"),
                    str(self.port),
                    str(secret),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # the terminal's Ctrl-C stays with pytest
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        """Wait for the launcher's "ready" (Bolt listens, the password is set), then for a
        real query to answer with that password."""
        import neo4j

        deadline = time.monotonic() + START_TIMEOUT
        while "ready" not in self._tail().splitlines():
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(
                    f"Neo4j exited with status {self._process.returncode}:\n{self._tail()}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"Neo4j did not start within {START_TIMEOUT:.0f} s:\n{self._tail()}"
                )
            time.sleep(0.2)
        with neo4j.GraphDatabase.driver(self.uri, auth=("neo4j", self.password)) as driver:
            records, _, _ = driver.execute_query("RETURN 1 AS one")
        if records[0]["one"] != 1:
            raise RuntimeError(f"Neo4j at {self.uri} answered {records!r} to RETURN 1")

    def _tail(self) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
        except OSError as exc:
            return f"(no log: {exc})"

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)  # the launcher's hook shuts the DBMS down
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
