"""Three hosts sharing one Neo4j, one RabbitMQ and one file repository (issue 24, item 5).

Each host is a daemon in a network namespace of its own (its own address and loopback,
joined to the machine by a bridge: ``support.network``) and a UTS namespace of its own
(its own host name, so its processes' owners, job hosts and daemon folders are that
host's), with its own GRAPHFLOW_HOME and a profile of the same name on the shared
services, which it reaches over the bridge as a cluster node reaches its servers. Sixty
work chains with two children each are submitted on one host; one host is SIGKILLed
mid-run, daemon and workers; the others take its processes over. Every parent finishes,
once: each has exactly its two children (no step run twice), and nothing is left running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from support.daemon import GRAPHFLOW, DaemonFixture
from support.network import Forwarder, Hosts

import graphflow as gf

from .conftest import SUPPORT

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.neo4j_only, pytest.mark.usefixtures("backend")]

PROFILE = "pool"
PARENTS = 60


class HostDaemon(DaemonFixture):
    """A daemon on host ``hostname``: its commands run after ``prefix`` (its namespaces)."""

    def __init__(self, home: Path, broker: str, hostname: str, prefix: list[str]) -> None:
        super().__init__(home, PROFILE, broker, [SUPPORT])
        self.hostname = hostname
        self.prefix = prefix

    @property
    def daemon_dir(self) -> Path:
        return self.home / "profiles" / PROFILE / "daemon" / self.hostname

    def cli(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.prefix, GRAPHFLOW, *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def kill_everything(self) -> list[int]:
        """SIGKILL the supervisor first (it would start new workers), then the workers."""
        pids = [int((self.daemon_dir / "supervisor.pid").read_text().split()[0])]
        pids += self.worker_pids()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return pids


def _set_up(host: HostDaemon, store: str, repository: Path) -> None:
    """A profile ``pool`` in the host's home on the session's Neo4j (at ``store``, as the
    host reaches it), as a user on that host does."""
    env = {**os.environ, "GRAPHFLOW_HOME": str(host.home)}
    env.pop("GRAPHFLOW_PROFILE", None)
    commands = [
        [
            "profile", "setup", PROFILE,
            "--store", store,
            "--user", os.environ.get("GRAPHFLOW_TEST_NEO4J_USER", "neo4j"),
            "--password-file", os.environ["GRAPHFLOW_TEST_NEO4J_PASSWORD_FILE"],
            "--broker", host.broker, "--set-default",
        ],
        ["profile", "set", PROFILE, "repository", str(repository)],
        ["profile", "set", PROFILE, "broker_hold_ttl", "2"],
        ["profile", "set", PROFILE, "broker_hold_renew", "1"],
        ["profile", "trust", PROFILE, str(SUPPORT)],
    ]  # fmt: skip
    for args in commands:
        done = subprocess.run(
            [*host.prefix, GRAPHFLOW, *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"


def _bridged(url: str, address: str, port: int) -> str:
    """``url`` with its host and port replaced: how a host reaches that service."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    netloc[-1] = f"{address}:{port}"
    return urlunsplit(parts._replace(netloc="@".join(netloc)))


def _submit(host: HostDaemon, count: int) -> list[str]:
    """Submit ``count`` parents on ``host`` (a script, as its user would)."""
    script = (
        "import graphflow as gf\n"
        "from support.daemon_workflows import SlowParent\n"
        f"nodes = gf.submit_many(SlowParent, [{{'ticks': gf.Int(20)}}] * {count})\n"
        "print(' '.join(n.uuid for n in nodes))\n"
    )
    env = {**os.environ, "GRAPHFLOW_HOME": str(host.home), "PYTHONPATH": str(SUPPORT)}
    env.pop("GRAPHFLOW_PROFILE", None)
    done = subprocess.run(
        [*host.prefix, sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def _states(uuids: list[str]) -> dict[str, Any]:
    rows = gf.cypher(
        "MATCH (p:Node) WHERE p.uuid IN $uuids "
        "OPTIONAL MATCH (p)-[:CALL]->(c:Node) "
        "RETURN p.uuid AS uuid, p.process_state AS state, p.exit_status AS status, "
        "count(c) AS children, collect(c.process_state) AS child_states",
        uuids=uuids,
    )
    return {row["uuid"]: row for row in rows}


def test_three_hosts_share_one_pool_and_take_over_a_dead_hosts_processes(
    tmp_path: Path, amqp_url: str
) -> None:
    repository = tmp_path / "shared-repository"
    network = Hosts(3)
    store_uri = os.environ["GRAPHFLOW_TEST_NEO4J_URI"]
    broker = urlsplit(amqp_url)
    forwarders = [
        Forwarder(
            network.address, (urlsplit(store_uri).hostname or "", urlsplit(store_uri).port or 7687)
        ),
        Forwarder(network.address, (broker.hostname or "", broker.port or 5672)),
    ]
    hosts: list[HostDaemon] = []
    try:
        network.up()
        store_port, broker_port = (forwarder.start() for forwarder in forwarders)
        bridged_broker = _bridged(amqp_url, network.address, broker_port)
        for i in (1, 2, 3):
            name = f"gf-host-{i}"
            host = HostDaemon(
                tmp_path / f"home-{i}", bridged_broker, name, network.command(i, name)
            )
            hosts.append(host)
            _set_up(host, _bridged(store_uri, network.address, store_port), repository)
        for host in hosts:
            host.start(2)
        parents = _submit(hosts[0], PARENTS)
        assert len(parents) == PARENTS
        # until the doomed host runs some of the work
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            owned = gf.cypher(
                "MATCH (p:Node) WHERE p.owner STARTS WITH 'gf-host-2:' "
                "AND p.process_state IN ['running', 'waiting'] RETURN count(p) AS n"
            )[0]["n"]
            if owned >= 5:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("host 2 never ran any of the work: the hosts share no pool")
        killed_at = time.monotonic()
        hosts[1].kill_everything()

        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            states = _states(parents)
            if all(row["state"] in ("finished", "excepted", "killed") for row in states.values()):
                break
            time.sleep(1)
        took = time.monotonic() - killed_at
        states = _states(parents)
        assert len(states) == PARENTS
        unfinished = {u: r["state"] for u, r in states.items() if r["state"] != "finished"}
        assert unfinished == {}, f"not finished {took:.0f} s after the kill: {unfinished}"
        assert {row["status"] for row in states.values()} == {0}
        assert {row["children"] for row in states.values()} == {2}  # no launch ran twice
        assert all(set(row["child_states"]) == {"finished"} for row in states.values())
        rows = gf.cypher(
            "MATCH (p:Node) WHERE p.uuid IN $uuids OR EXISTS { "
            "MATCH (q:Node)-[:CALL]->(p) WHERE q.uuid IN $uuids } "
            "RETURN p.owner AS owner, p.process_state AS state",
            uuids=parents,
        )
        assert len(rows) == PARENTS * 3  # the parents and their children, none twice
        assert {row["state"] for row in rows} == {"finished"}
        # one pool: the live hosts finished work of all (host 2's, taken over, too)
        assert {"gf-host-1", "gf-host-3"} <= {row["owner"].split(":")[0] for row in rows}
    finally:
        for host in hosts:
            host.stop()
        for forwarder in forwarders:
            forwarder.stop()
        network.down()
