"""W1 and W3 as bench/engine_bench.py times them, graphflow only: an A/B of two trees.

    PYTHONPATH=TREE GRAPHFLOW_HOME=HOME python bench/ab_w13.py WARMUP_SECONDS

Run it alternately for a base checkout and a change (``git worktree add``), each on its
own fresh store; it prints one JSON line (three rounds of 500 W1 calls and 100 W3 runs).
No AiiDA and no memory part: it answers "did this change make graphflow slower", which,
with AiiDA unchanged, is whether a ratio fell.
"""

import json
import sys
import time

from daemon_procs import CountWorkChain

import graphflow as gf
from graphflow import Int, calcfunction


@calcfunction
def add(a, b):
    return a + b


warm = float(sys.argv[1])
until = time.perf_counter() + warm
while time.perf_counter() < until:
    add(Int(1), Int(2))
    gf.run(CountWorkChain, n=Int(3))
out = {"tree": gf.__file__}
for rnd in range(3):
    t = time.perf_counter()
    for i in range(500):
        add(Int(i), Int(i + 1))
    w1 = 500 / (time.perf_counter() - t)
    t = time.perf_counter()
    for _ in range(100):
        gf.run(CountWorkChain, n=Int(10))
    w3 = 100 / (time.perf_counter() - t)
    out[f"round{rnd}"] = {"W1_calls_s": round(w1, 1), "W3_runs_s": round(w3, 2)}
print(json.dumps(out))
