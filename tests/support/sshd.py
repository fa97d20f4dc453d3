"""An sshd of a test's own, on a fixed port, that the test can cut and bring back.

The suite's shared sshd (``scripts/services/services.sh``) must stay up for the other
tests; a chaos test that cuts the network needs one it may kill. This one uses the
shared server's test user and client key, listens on a port of its own (kept across
restarts, so computers configured for it stay valid) and writes its own known_hosts.
``cut`` kills the listener *and* every connection it accepted, as a network outage or a
rebooted login node would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psutil

__all__ = ["PrivateSshd"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateSshd:
    """``start``, ``cut`` (kill it and its connections) and ``start`` again, same port."""

    def __init__(self, services_env: dict[str, str]) -> None:
        self.env = services_env
        self.dir = Path(tempfile.mkdtemp(prefix="graphflow-sshd-"))
        os.chmod(self.dir, 0o755)
        self.port = _free_port()
        self.log = self.dir / "sshd.log"
        self.known_hosts = self.dir / "known_hosts"
        self._process: subprocess.Popen[bytes] | None = None
        shared = Path(services_env["SSH_KEY_FILE"]).parent
        host_key = shared / "ssh_host_ed25519_key"
        host_public = (shared / "ssh_host_ed25519_key.pub").read_text().split()[:2]
        self.known_hosts.write_text(f"[127.0.0.1]:{self.port} {' '.join(host_public)}\n")
        self.config = self.dir / "sshd_config"
        self.config.write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {host_key}",
                    "PidFile none",
                    "UsePAM no",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PubkeyAuthentication yes",
                    f"AuthorizedKeysFile {shared / 'authorized_keys'}",
                    "StrictModes no",
                    "PermitRootLogin no",
                    f"AllowUsers {services_env['SSH_USER']}",
                    "UseDNS no",
                    "LogLevel VERBOSE",
                    "Subsystem sftp internal-sftp",
                    "MaxStartups 100:30:200",
                    "MaxSessions 50",
                    "",
                ]
            )
        )

    def settings(self, **extra: object) -> dict[str, object]:
        """Transport settings of a computer reached through this sshd."""
        return {
            "username": self.env["SSH_USER"],
            "port": self.port,
            "key_file": self.env["SSH_KEY_FILE"],
            "known_hosts": str(self.known_hosts),
            "ssh_config": False,
            **extra,
        }

    def start(self, timeout: float = 10.0) -> None:
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                ["/usr/sbin/sshd", "-D", "-e", "-f", str(self.config)],
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise AssertionError(f"sshd exited: {self.log.read_text()[-2000:]}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError(f"sshd did not listen on {self.port}: {self.log.read_text()[-2000:]}")

    def cut(self) -> None:
        """Kill the listener and every connection (session processes included)."""
        if self._process is None:
            return
        try:
            family = psutil.Process(self._process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            family = []
        for member in [psutil.Process(self._process.pid), *family]:
            try:
                member.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                continue
        self._process.wait(10)
        psutil.wait_procs(family, timeout=10)
        self._process = None

    def connections(self) -> int:
        """Connections accepted so far (``Connection from`` lines of the log)."""
        return self.log.read_text(errors="replace").count("Connection from ")
