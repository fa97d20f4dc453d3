#!/usr/bin/env bash
# Run setup.sh, then every AiiDA workload, into bench/aiida/results/<UTC timestamp>.jsonl.
#
# Usage: bench/aiida/run_all.sh [--quick]
#   --quick  small sizes for a smoke test (~1.5 min once set up); default: the
#            sizes of shared/notes/aiida-anchor.md (~12 min, plus 5–10 min the
#            first time, to grow the database to 20,000 nodes for W6).
# One JSON object per workload line; a workload that fails or is killed still
# gets a line (with "error"), and the script then exits 1 after the others ran.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODE=full
case "${1:-}" in
    --quick) MODE=quick ;;
    "") ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

export AIIDA_PATH="$HERE"
PY="$HERE/.venv/bin/python"

bash "$HERE/setup.sh"

# A workload killed by the backstop timeout below cannot stop its own daemon.
stop_daemon() { "$HERE/.venv/bin/verdi" -p bench daemon stop >/dev/null 2>&1 || true; }
trap stop_daemon EXIT

mkdir -p "$HERE/results"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
if [ "$MODE" = quick ]; then out="$HERE/results/$stamp-quick.jsonl"; else out="$HERE/results/$stamp.jsonl"; fi
tmp="$out.tmp"
: > "$tmp"

# name | workloads.py arguments | timeout (s) given to workloads.py
if [ "$MODE" = quick ]; then
    runs=(
        "W1|W1 --n 20|300"
        "W2|W2 --n 10|300"
        "W3|W3 --n 5|300"
        "W4|W4 --n 10|600"
        "W4|W4 --n 10 --computer localhost-nologin|600"
        "W5|W5 --n 10|600"
        "W6|W6 --n 10 --min-nodes 500 --graph-repeats 2|900"
    )
else
    runs=(
        "W1|W1 --n 500|900"
        "W2|W2 --n 200|900"
        "W3|W3 --n 100|900"
        "W4|W4 --n 300|1800"
        "W4|W4 --n 300 --computer localhost-nologin|1800"
        "W5|W5 --n 300|1200"
        "W6|W6 --n 50 --min-nodes 20000 --graph-repeats 5|3600"
    )
fi

failed=0
start_all=$SECONDS
for spec in "${runs[@]}"; do
    IFS='|' read -r name args limit <<< "$spec"
    echo "[run_all] $args" >&2
    t0=$SECONDS
    # workloads.py times itself out at $limit; `timeout` is only the backstop.
    # shellcheck disable=SC2086  # $args is a list of words on purpose
    if line="$(timeout --kill-after=30 $((limit + 120)) "$PY" "$HERE/workloads.py" $args --timeout "$limit" \
                2> >(sed -u 's/^/    /' >&2))"; then
        :
    else
        rc=$?
        failed=1
        if [ -z "$line" ]; then
            stop_daemon
            line="$("$PY" -c 'import json, sys; print(json.dumps({"engine": "aiida", "workload": sys.argv[1],
                "args": sys.argv[2], "error": f"killed by run_all.sh backstop (exit {sys.argv[3]})"}))' \
                "$name" "$args" "$rc")"
        fi
    fi
    printf '%s\n' "$line" >> "$tmp"
    echo "[run_all] $name done in $((SECONDS - t0)) s" >&2
done
mv "$tmp" "$out"
echo "[run_all] $MODE run took $((SECONDS - start_all)) s; results in $out" >&2

"$PY" - "$out" <<'EOF'
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]


def extra(r):
    w = r.get('workload')
    if 'error' in r:
        return 'ERROR ' + r['error'][:90]
    if w == 'W1':
        return f"{r['ms_per_call']:.0f} ms/call"
    if w == 'W2':
        return f"{r['processes_per_s']:.1f} processes/s"
    if w == 'W3':
        return f"{r['steps_per_s']:.1f} steps/s"
    if w in ('W4', 'W5'):
        s = f"submit {r['submit_ms_per_process']:.0f} ms/each, worker RSS {r['worker_rss_mib']} MiB"
        if w == 'W4':
            s = f"{r['computer']} (login shell {'on' if r['login_shell'] else 'off'}), " + s
        else:
            s = f"{r['steps_per_s']:.1f} steps/s, " + s
        return s
    if w == 'W6':
        return (f"ancestors {r['ancestors_ms']:.1f} ms, graph generate {r['graph_generate_s']:.2f} s, "
                f"verdi --version {1000 * r['verdi_version_s']:.0f} ms, {r['db_nodes']} nodes")
    return ''


print(f"\n{'workload':8} {'n':>5} {'seconds':>9} {'rate':>10}  {'unit':10} details")
for r in rows:
    rate = f"{r['rate']:.1f}" if 'rate' in r else '-'
    secs = f"{r['seconds']:.3f}" if 'seconds' in r else '-'
    print(f"{r.get('workload', '?'):8} {r.get('n', '-'):>5} {secs:>9} {rate:>10}  {r.get('unit', ''):10} {extra(r)}")
EOF
exit "$failed"
