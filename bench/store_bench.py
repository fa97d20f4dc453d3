"""The graph store: batched writes, single-node transactions, ancestors on a 50k-node graph.

    python bench/store_bench.py [--home DIR]

1. writes 20,000 nodes with 40,000 links through the group-commit writer: 200 batches of
   50 calculations, each with three inputs and one created output (100 nodes, 200 links a
   batch), 8 batches in flight (the engine's shape of load);
2. stores 500 single nodes one after another (``Int(i).store()``: each waits for its own
   durable commit) and reports the median latency;
3. grows the store to 50,000 provenance nodes made of calculation chains (data -INPUT->
   calc -CREATE-> data -INPUT-> ...) and times the ancestors of chain ends at depth 100 and
   1,000 (median of repeated queries).

Runs on a fresh embedded store (a temporary GRAPHFLOW_HOME unless ``--home``), warmed up
first; results go to ``bench/results/<UTC time>-store.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path)
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="graphflow-store-bench-"))
    os.environ["GRAPHFLOW_HOME"] = str(home)

    import graphflow as gf
    from graphflow import _loop
    from graphflow.lineage import aancestors
    from graphflow.orm import close_backends, embedded_server, get_backend, load_profile
    from graphflow.orm._nodes import utc_now
    from graphflow.store import WriteBatch

    results: dict[str, Any] = {
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
        },
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=BENCH,
            check=False,
        ).stdout.strip(),
    }

    async def pks(n: int) -> list[int]:
        return await (await get_backend()).pks.take(n)

    def chain_batch(length: int, first_pk: int) -> tuple[WriteBatch, str]:
        """A chain of ``length`` calculations: d0 -> c1 -> d1 -> c2 -> d2 ..."""
        batch = WriteBatch()
        now = utc_now()
        pk = first_pk
        previous = str(uuid.uuid4())
        batch.create(
            "Int",
            {
                "uuid": previous,
                "pk": pk,
                "ctime": now,
                "value": 0,
                "node_type": "core.int",
                "attributes": "{}",
                "extras": "{}",
            },
        )
        for i in range(length):
            calc, data = str(uuid.uuid4()), str(uuid.uuid4())
            batch.create(
                "CalcFunction",
                {
                    "uuid": calc,
                    "pk": pk + 1,
                    "ctime": now,
                    "node_type": "process.calcfunction",
                    "process_label": "step",
                    "process_state": "finished",
                    "exit_status": 0,
                    "attributes": "{}",
                    "extras": "{}",
                },
            )
            batch.create(
                "Int",
                {
                    "uuid": data,
                    "pk": pk + 2,
                    "ctime": now,
                    "value": i + 1,
                    "node_type": "core.int",
                    "attributes": "{}",
                    "extras": "{}",
                },
            )
            batch.link("INPUT", previous, calc, "x")
            batch.link("CREATE", calc, data, "result")
            previous = data
            pk += 2
        return batch, previous

    async def write_graph(total_nodes: int, length: int, in_flight: int) -> tuple[float, list[str]]:
        backend = await get_backend()
        per_chain = 2 * length + 1
        chains = -(-total_nodes // per_chain)  # rounded up: at least total_nodes
        ends: list[str] = []
        pending: set[asyncio.Future[None]] = set()
        start = time.perf_counter()
        for _ in range(chains):
            first = (await backend.pks.take(per_chain))[0]
            batch, end = chain_batch(length, first)
            ends.append(end)
            pending.add(backend.writer.submit(batch))
            if len(pending) >= in_flight:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for future in done:
                    future.result()
        await asyncio.gather(*pending)
        return time.perf_counter() - start, ends

    # warm the store up (its JIT compiles hot paths in the first seconds)
    _loop.call(write_graph(6_000, 50, 8))
    for i in range(200):
        gf.Int(i).store()

    # 1. 20,000 nodes + 40,000 links: 200 batches of 50 calculations, each with three
    # inputs from the previous batch's outputs and one created output (100 nodes, 200 links)
    async def write_20k_40k(in_flight: int) -> float:
        backend = await get_backend()
        previous = [str(uuid.uuid4()) for _ in range(50)]
        seed = WriteBatch()
        first = (await backend.pks.take(50))[0]
        for k, d in enumerate(previous):
            seed.create(
                "Int",
                {
                    "uuid": d,
                    "pk": first + k,
                    "value": k,
                    "node_type": "core.int",
                    "attributes": "{}",
                    "extras": "{}",
                },
            )
        await backend.writer.write(seed)
        pending: list[asyncio.Future[None]] = []
        start = time.perf_counter()
        for _ in range(200):
            batch = WriteBatch()
            first = (await backend.pks.take(100))[0]
            now = utc_now()
            outputs = []
            for k in range(50):
                calc, data = str(uuid.uuid4()), str(uuid.uuid4())
                batch.create(
                    "CalcFunction",
                    {
                        "uuid": calc,
                        "pk": first + 2 * k,
                        "ctime": now,
                        "node_type": "process.calcfunction",
                        "process_label": "f",
                        "process_state": "finished",
                        "exit_status": 0,
                        "attributes": "{}",
                        "extras": "{}",
                    },
                )
                batch.create(
                    "Int",
                    {
                        "uuid": data,
                        "pk": first + 2 * k + 1,
                        "ctime": now,
                        "value": k,
                        "node_type": "core.int",
                        "attributes": "{}",
                        "extras": "{}",
                    },
                )
                for label, offset in (("a", 0), ("b", 1), ("c", 2)):
                    batch.link("INPUT", previous[(k + offset) % 50], calc, label)
                batch.link("CREATE", calc, data, "result")
                outputs.append(data)
            previous = outputs
            pending.append(backend.writer.submit(batch))
            if len(pending) >= in_flight:
                await pending.pop(0)
        await asyncio.gather(*pending)
        return time.perf_counter() - start

    seconds = _loop.call(write_20k_40k(8))
    results["batched_write"] = {
        "nodes": 20_000,
        "links": 40_000,
        "seconds": seconds,
        "nodes_per_s": 20_000 / seconds,
        "links_per_s": 40_000 / seconds,
    }

    # 2. single-node transactions
    latencies = []
    for i in range(500):
        t = time.perf_counter()
        gf.Int(i).store()
        latencies.append(time.perf_counter() - t)
    results["single_node_tx"] = {
        "n": 500,
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": sorted(latencies)[int(0.95 * 500)] * 1000,
    }

    # 3. ancestors on a 50,000-node graph: deep chains to reach depth 100 and 1,000
    count = gf.cypher("MATCH (n:Node) RETURN count(n) AS n")[0]["n"]
    _, ends_100 = _loop.call(write_graph(2 * 201 * 5, 100, 4))
    _, ends_1000 = _loop.call(write_graph(2 * 2001 * 2, 1000, 2))
    count = gf.cypher("MATCH (n:Node) RETURN count(n) AS n")[0]["n"]
    if count < 50_000:
        _loop.call(write_graph(50_000 - count, 50, 8))
    count = gf.cypher("MATCH (n:Node) RETURN count(n) AS n")[0]["n"]
    results["graph_nodes"] = count

    async def time_ancestors(end_uuids: list[str], repeats: int) -> tuple[float, int]:
        backend = await get_backend()
        from graphflow.orm import aload_nodes

        nodes = await aload_nodes(backend, end_uuids)
        times, found = [], 0
        for r in range(repeats):
            node = nodes[end_uuids[r % len(end_uuids)]]
            t = time.perf_counter()
            found = len(await aancestors(node))
            times.append(time.perf_counter() - t)
        return statistics.median(times) * 1000, found

    for depth, ends in ((100, ends_100), (1000, ends_1000)):
        median_ms, found = _loop.call(time_ancestors(ends, 20))
        results[f"ancestors_depth_{depth}"] = {"median_ms": median_ms, "ancestors": found}

    _loop.call(close_backends())
    _loop.call(embedded_server(load_profile()).stop())
    if args.home is None:
        shutil.rmtree(home, ignore_errors=True)

    print("| measure | result |\n|---|---|")
    bw = results["batched_write"]
    print(
        f"| 20,000 nodes + 40,000 links (100 + 200 a batch, 8 in flight) | {bw['seconds']:.1f} s: "
        f"{bw['nodes_per_s']:,.0f} nodes/s, {bw['links_per_s']:,.0f} links/s |"
    )
    st = results["single_node_tx"]
    print(
        f"| single-node transaction | median {st['median_ms']:.1f} ms, p95 {st['p95_ms']:.1f} ms |"
    )
    for depth in (100, 1000):
        a = results[f"ancestors_depth_{depth}"]
        label = f"ancestors at depth {depth} ({a['ancestors']} nodes) on {count:,} nodes"
        print(f"| {label} | median {a['median_ms']:.1f} ms |")
    out_dir = BENCH / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"{stamp}-store.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
